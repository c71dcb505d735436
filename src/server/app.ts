/**
 * The HTTP surface as a Hono app built from its dependencies, so tests serve the same app
 * that `gw serve` does.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { handleMessages } from "../proxy/messages_handler.ts";
import { pathOf } from "../proxy/request_url.ts";
import { handleModels } from "../proxy/models_handler.ts";
import {
  bedrockFormat,
  inferenceProfile,
  inferenceProfiles,
  parseBedrockPath,
} from "../proxy/client_formats/bedrock_format.ts";
import { parseVertexPath, vertexFormat } from "../proxy/client_formats/vertex_format.ts";
import type { ProxyDeps } from "../proxy/proxy_deps.ts";
import { newId } from "../db/ids.ts";
import { errorResponse, GatewayError } from "./errors.ts";
import { clip, ECHO_CHARS } from "../logging/client_text.ts";
import { type AdminDeps, adminRoutes } from "./admin_routes.ts";
import { type SignInDeps, signInRoutes } from "./signin_routes.ts";
import { spendReport } from "../limits/spend_report.ts";
import { AuthRefusal } from "../auth/auth_refusal.ts";
import { requestTags } from "../tags/request_tags.ts";
import { chargeeOf } from "../limits/budget.ts";

export interface AppDeps extends ProxyDeps {
  /** Why this instance cannot serve and record (see Readiness); `/readyz` fails unless empty. */
  ready: () => Promise<string[]>;
  /** Prometheus text for `/metrics` (every worker's, when there are several). */
  metrics: () => string | Promise<string>;
  /** Guards `/metrics` and `/admin/`: `Authorization: Bearer TOKEN`. */
  adminToken: string;
  /** What the admin API reads. */
  admin: Omit<AdminDeps, "isAdmin">;
  /** Claude Code's gateway sign-in; absent when disabled. */
  signIn?: SignInDeps;
}

/** Constant-time comparison of a presented admin token. */
export function isAdmin(headers: Headers, adminToken: string): boolean {
  if (adminToken.trim() === "") return false;
  const presented = headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? "";
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(presented), digest(adminToken));
}

function methodNotAllowed(allowed: string): Response {
  return errorResponse(
    new GatewayError("invalid_request_error", `Method not allowed: use ${allowed}`, {
      status: 405,
      retryable: false,
      headers: { allow: allowed },
    }),
    newId("req"),
  );
}

function notFound(request: Request): Response {
  return errorResponse(
    new GatewayError(
      "not_found_error",
      `No route for ${request.method} ${clip(new URL(request.url).pathname, ECHO_CHARS)}`,
      {
        retryable: false,
      },
    ),
    newId("req"),
  );
}

/**
 * The server's request handler: Messages requests, nearly all of gw's traffic, go straight to
 * their handler; everything else through the router.
 *
 * @example
 * Deno.serve({ port: 8787 }, createHandler(deps));
 */
export function createHandler(
  deps: AppDeps,
): (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response> {
  const app = createApp(deps);
  return (request, info) =>
    request.method === "POST" && pathOf(request.url) === "/v1/messages"
      ? handleMessages(deps, request, "messages")
      : Promise.resolve(app.fetch(request, info));
}

/**
 * @example
 * Deno.serve({ port: 8787 }, createApp(deps).fetch);
 */
export function createApp(deps: AppDeps): Hono<{ Bindings: Deno.ServeHandlerInfo }> {
  const app = new Hono<{ Bindings: Deno.ServeHandlerInfo }>();

  app.post("/v1/messages", (c) => handleMessages(deps, c.req.raw, "messages"));
  app.post("/v1/messages/count_tokens", (c) => handleMessages(deps, c.req.raw, "count_tokens"));
  app.all("/v1/messages", () => methodNotAllowed("POST"));
  app.all("/v1/messages/count_tokens", () => methodNotAllowed("POST"));
  app.get("/v1/models", (c) => handleModels(deps, c.req.raw));

  // Claude Code's Bedrock mode: the profile listing it asks for first, then InvokeModel calls.
  app.get(
    "/bedrock/inference-profiles",
    () => Response.json(inferenceProfiles(deps.modelCatalog(), "us-east-1")),
  );
  app.get(
    "/bedrock/inference-profiles/:id",
    (c) => Response.json(inferenceProfile(c.req.param("id"), "us-east-1")),
  );
  app.post("/bedrock/model/*", (c) => {
    const route = parseBedrockPath(new URL(c.req.url).pathname);
    if (!route) return notFound(c.req.raw);
    const operation = route.action === "count-tokens" ? "count_tokens" : "messages";
    return handleMessages(deps, c.req.raw, operation, bedrockFormat(route.modelId, route.action));
  });
  // Claude Code's Vertex mode.
  app.post("/vertex/v1/*", (c) => {
    const route = parseVertexPath(new URL(c.req.url).pathname);
    if (!route) return notFound(c.req.raw);
    const operation = route.model === "count-tokens" ? "count_tokens" : "messages";
    return handleMessages(deps, c.req.raw, operation, vertexFormat(route.model));
  });

  // Signed-in Claude Code adds the amounts of the developer's own caps to `/usage`.
  app.get("/api/oauth/usage", async (c) => {
    const headers = c.req.raw.headers;
    try {
      const key = await deps.authenticator.authenticate(headers);
      const report = spendReport(
        deps.budgets.states(chargeeOf(key, requestTags(key, headers))),
      );
      if (!report) {
        throw new GatewayError("not_found_error", "No spend limit applies to this key", {
          retryable: false,
        });
      }
      return Response.json(report, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      if (error instanceof AuthRefusal) deps.authRefusals.add(error.reason);
      return errorResponse(error, newId("req"));
    }
  });

  // Claude Code warms its connection with this; any fast answer will do.
  app.on(["HEAD", "GET"], "/api/hello", () => new Response(null, { status: 200 }));
  app.get("/healthz", () => Response.json({ status: "ok" }));
  app.get("/readyz", async () => {
    const reasons = await deps.ready().catch(() => ["database unavailable"]);
    if (reasons.length === 0) return Response.json({ status: "ready" });
    return Response.json({ status: "unready", reasons }, { status: 503 });
  });

  app.get("/metrics", async (c) => {
    if (!isAdmin(c.req.raw.headers, deps.adminToken)) {
      return errorResponse(
        new GatewayError(
          "authentication_error",
          "The metrics need the gw admin token as a bearer token",
          { retryable: false },
        ),
        newId("req"),
      );
    }
    return new Response(await deps.metrics(), {
      headers: { "content-type": "text/plain; version=0.0.4" },
    });
  });

  app.route(
    "/admin",
    adminRoutes({ ...deps.admin, isAdmin: (headers) => isAdmin(headers, deps.adminToken) }),
  );

  if (deps.signIn) app.route("/", signInRoutes(deps.signIn));

  app.notFound((c) => notFound(c.req.raw));
  app.onError((error) => {
    console.error("gw: unhandled error:", error);
    return errorResponse(error, newId("req"));
  });
  return app;
}
