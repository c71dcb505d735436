/**
 * The admin HTTP API: the same read queries as `gw usage`, `gw logs`, `gw budgets list` and the
 * listings, as JSON, for dashboards and remote tooling. Every route needs the admin token as a
 * bearer token; a gw key is not one.
 */
import { Hono } from "hono";
import { parseSince } from "../cli/duration.ts";
import type { Database } from "../db/client.ts";
import { listAudit } from "../db/repos/audit_repo.ts";
import { listKeys } from "../db/repos/keys_repo.ts";
import { listProviders } from "../db/repos/providers_repo.ts";
import {
  isUsageDimension,
  listRequests,
  usageBy,
  type UsageDimension,
} from "../db/repos/requests_repo.ts";
import { listRoutes } from "../db/repos/routes_repo.ts";
import { listTeams } from "../db/repos/teams_repo.ts";
import { newId } from "../db/ids.ts";
import { errorResponse, GatewayError } from "./errors.ts";
import type { AuthRefusals } from "../telemetry/auth_refusals.ts";

export interface AdminDeps {
  db: Database;
  isAdmin: (headers: Headers) => boolean;
  circuits: () => Record<string, string>;
  timeZone: string;
  /** Requests refused for want of a usable key, which have no log rows. */
  authRefusals: AuthRefusals;
}

function refuse(
  message: string,
  type: "authentication_error" | "invalid_request_error" = "invalid_request_error",
) {
  return errorResponse(new GatewayError(type, message, { retryable: false }), newId("req"));
}

export function adminRoutes(deps: AdminDeps): Hono {
  const admin = new Hono();
  admin.use("*", async (c, next) => {
    if (!deps.isAdmin(c.req.raw.headers)) {
      return refuse(
        "The admin API needs the gw admin token as a bearer token",
        "authentication_error",
      );
    }
    await next();
  });
  admin.get("/usage", async (c) => {
    const by = (c.req.query("by") ?? "team").split(",").filter(Boolean);
    const unknown = by.filter((d) => !isUsageDimension(d));
    if (unknown.length) return refuse(`Unknown dimension ${unknown.join(", ")}`);
    let since: number;
    let until: number;
    try {
      since = parseSince(c.req.query("since") ?? "30d");
      until = c.req.query("until") ? parseSince(c.req.query("until")!) : Date.now() + 1;
    } catch (error) {
      return refuse((error as Error).message);
    }
    return c.json(await usageBy(deps.db, by as UsageDimension[], since, until));
  });
  admin.get("/logs", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit")) || 100, 1), 1000);
    const after = c.req.query("after") ? Number(c.req.query("after")) : undefined;
    return c.json(
      await listRequests(deps.db, { team: c.req.query("team"), limit, afterTs: after }),
    );
  });
  admin.get(
    "/keys",
    async (c) =>
      c.json(
        (await listKeys(deps.db, { includeRevoked: c.req.query("all") === "true" })).map((key) => ({
          ...key,
        })),
      ),
  );
  admin.get("/teams", async (c) => c.json(await listTeams(deps.db)));
  admin.get(
    "/providers",
    async (c) =>
      c.json(
        (await listProviders(deps.db)).map(({ sealedSecret: _secret, ...provider }) => provider),
      ),
  );
  admin.get("/routes", async (c) => c.json(await listRoutes(deps.db)));
  admin.get("/circuits", (c) => c.json(deps.circuits()));
  admin.get("/refusals", (c) =>
    c.json({
      totals: deps.authRefusals.totals(),
      minutes: deps.authRefusals.lastHour().map(({ minute, counts }) => ({
        minute: new Date(minute).toISOString(),
        counts,
      })),
    }));
  admin.get(
    "/audit",
    async (c) =>
      c.json(
        await listAudit(deps.db, Math.min(Math.max(Number(c.req.query("limit")) || 100, 1), 1000)),
      ),
  );
  admin.get("/budgets", async (c) => {
    const { budgetStandings } = await import("../cli/budgets.ts");
    return c.json(await budgetStandings(deps.db, deps.timeZone));
  });
  admin.notFound(() =>
    errorResponse(
      new GatewayError("not_found_error", "No such admin route", { retryable: false }),
      newId("req"),
    )
  );
  return admin;
}

/** The admin routes, for tests that check each one refuses without the token. */
export const ADMIN_PATHS = [
  "/usage",
  "/logs",
  "/keys",
  "/teams",
  "/providers",
  "/routes",
  "/circuits",
  "/refusals",
  "/budgets",
  "/audit",
];
