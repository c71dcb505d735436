/**
 * Claude Code's gateway sign-in (`/login`; the "Claude Code gateway protocol" the pinned
 * client documents): RFC 8414 metadata, the RFC 8628 device flow, and a verification page
 * where a developer approves the sign-in with the gw key their admin gave them. The sign-in
 * mints a key of its own with the approving key's team, user, project, env and models, so
 * revoking either works as usual. Signed in, Claude Code shows gw's budget headers as its
 * "You've used NN% …" notices.
 */
import { Hono } from "hono";
import type { Authenticator } from "../auth/authenticator.ts";
import {
  hashDeviceCode,
  newDeviceCode,
  newUserCode,
  normalizeUserCode,
} from "../auth/device_codes.ts";
import { displayPrefix, generateKeySecret, hashKeySecret } from "../auth/key_secret.ts";
import type { Database } from "../db/client.ts";
import {
  approveDeviceLogin,
  claimIssue,
  findDeviceLogin,
  insertDeviceLogin,
  notePoll,
  recordIssuedKey,
} from "../db/repos/device_logins_repo.ts";
import { findKey, insertKey, revokeKey } from "../db/repos/keys_repo.ts";
import { GatewayError } from "./errors.ts";

export interface SignInDeps {
  db: Database;
  authenticator: Authenticator;
  keyTtlDays: number;
  codeTtlSeconds: number;
  now?: () => number;
}

const POLL_INTERVAL_S = 5;
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** Approval attempts per client address per minute (RFC 8628 §5.1). */
const ATTEMPTS_PER_MINUTE = 10;
const NO_STORE = { "cache-control": "no-store" };

function oauthError(error: string, status = 400, description?: string): Response {
  return Response.json(
    { error, ...(description && { error_description: description }) },
    { status, headers: NO_STORE },
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string, status = 200): Response {
  return new Response(
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width"><style>body{font:16px system-ui;max-width:32em;
margin:3em auto;padding:0 1em}input{font:inherit;width:100%;margin:.3em 0 1em;padding:.4em}
button{font:inherit;padding:.4em 1.2em}</style></head><body><h1>${escapeHtml(title)}</h1>${body}
</body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8", ...NO_STORE } },
  );
}

function form(userCode: string, problem?: string): Response {
  return page(
    "Sign in Claude Code to gw",
    `${problem ? `<p><strong>${escapeHtml(problem)}</strong></p>` : ""}
<p>Check that the code matches the one Claude Code shows, then approve with your gw key
(the <code>gw_…</code> key your gw admin gave you). Claude Code then uses a key of its own with
the same team, user, project and models.</p>
<form method="post"><label>Code<input name="user_code" value="${
      escapeHtml(userCode)
    }" autocomplete="off"></label>
<label>Your gw key<input name="key" type="password" autocomplete="off"></label>
<button>Approve</button></form>`,
    problem ? 400 : 200,
  );
}

/** A fixed window per client address: enough to stop guessing user codes. */
class AttemptLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  allow(client: string, now: number): boolean {
    const window = this.windows.get(client);
    if (!window || now - window.start >= 60_000) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(client, { start: now, count: 1 });
      return true;
    }
    return ++window.count <= ATTEMPTS_PER_MINUTE;
  }
}

function origin(url: string): string {
  return new URL(url).origin;
}

export function signInRoutes(deps: SignInDeps): Hono<{ Bindings: Deno.ServeHandlerInfo }> {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const attempts = new AttemptLimiter();
  const app = new Hono<{ Bindings: Deno.ServeHandlerInfo }>();

  app.get("/.well-known/oauth-authorization-server", (c) => {
    const base = origin(c.req.url);
    return Response.json({
      issuer: base,
      device_authorization_endpoint: `${base}/oauth/device_authorization`,
      token_endpoint: `${base}/oauth/token`,
      grant_types_supported: [DEVICE_GRANT],
    });
  });

  app.post("/oauth/device_authorization", async (c) => {
    const deviceCode = newDeviceCode();
    const userCode = newUserCode();
    const started = now();
    await insertDeviceLogin(db, {
      deviceCodeHash: hashDeviceCode(deviceCode),
      userCode,
      createdAt: started,
      expiresAt: started + deps.codeTtlSeconds * 1000,
      intervalS: POLL_INTERVAL_S,
      approvedKeyId: null,
      issuedAt: null,
      issuedKeyId: null,
      lastPollAt: null,
    });
    const verification = `${origin(c.req.url)}/device`;
    return Response.json({
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verification,
      verification_uri_complete: `${verification}?user_code=${userCode}`,
      expires_in: deps.codeTtlSeconds,
      interval: POLL_INTERVAL_S,
      login_notice: "Approve with your gw key on the page that opens.",
    }, { headers: NO_STORE });
  });

  app.get("/device", (c) => form(normalizeUserCode(c.req.query("user_code") ?? "")));

  app.post("/device", async (c) => {
    const fields = await c.req.parseBody();
    const userCode = normalizeUserCode(String(fields.user_code ?? ""));
    const address = c.env?.remoteAddr;
    const client = address && "hostname" in address ? address.hostname : "unknown";
    if (!attempts.allow(client, now())) {
      return page("Too many attempts", "<p>Wait a minute, then try again.</p>", 429);
    }
    let key;
    try {
      key = await deps.authenticator.authenticate(
        new Headers({ "x-api-key": String(fields.key ?? "").trim() }),
      );
    } catch (error) {
      return form(userCode, error instanceof GatewayError ? error.message : "Key not accepted");
    }
    if (!(await approveDeviceLogin(db, userCode, key.id, now()))) {
      return form(userCode, "No sign-in is waiting for this code: it expired or was used.");
    }
    return page(
      "Claude Code is signed in",
      `<p>Approved for team <strong>${escapeHtml(key.team)}</strong>${
        key.user ? `, user <strong>${escapeHtml(key.user)}</strong>` : ""
      }. Return to Claude Code; you can close this page.</p>`,
    );
  });

  app.post("/oauth/token", async (c) => {
    const fields = await c.req.parseBody();
    const grant = String(fields.grant_type ?? "");
    // No refresh tokens are issued; a refresh sends the developer back through sign-in.
    if (grant === "refresh_token") return oauthError("invalid_grant", 401);
    if (grant !== DEVICE_GRANT) return oauthError("unsupported_grant_type");
    const deviceCodeHash = hashDeviceCode(String(fields.device_code ?? ""));
    const login = await findDeviceLogin(db, { deviceCodeHash });
    const at = now();
    if (!login || login.issuedAt !== null) return oauthError("invalid_grant");
    if (login.expiresAt <= at) return oauthError("expired_token");
    if (login.approvedKeyId === null) {
      const tooSoon = login.lastPollAt !== null &&
        at - login.lastPollAt < login.intervalS * 1000 - 500;
      await notePoll(db, deviceCodeHash, at);
      return oauthError(tooSoon ? "slow_down" : "authorization_pending");
    }
    if (!(await claimIssue(db, deviceCodeHash, at))) return oauthError("invalid_grant");
    const approver = await findKey(db, login.approvedKeyId);
    if (!approver || approver.revokedAt !== null) {
      return oauthError("access_denied", 400, "The approving key was revoked");
    }
    const ttlEnd = at + deps.keyTtlDays * 86_400_000;
    const expiresAt = Math.min(approver.expiresAt ?? ttlEnd, ttlEnd);
    if (expiresAt <= at) return oauthError("access_denied", 400, "The approving key has expired");
    const secret = generateKeySecret();
    const issued = await insertKey(db, {
      name: `sign-in by ${approver.prefix}`,
      hash: hashKeySecret(secret),
      prefix: displayPrefix(secret),
      teamId: approver.teamId,
      user: approver.user,
      project: approver.project,
      env: approver.env,
      tags: approver.tags,
      models: approver.models,
      expiresAt,
    }, `sign-in:${approver.id}`);
    await recordIssuedKey(db, deviceCodeHash, issued.id).catch(async (error) => {
      await revokeKey(db, issued, `sign-in:${approver.id}`);
      throw error;
    });
    return Response.json({
      access_token: secret,
      token_type: "Bearer",
      expires_in: Math.floor((expiresAt - at) / 1000),
    }, { headers: NO_STORE });
  });

  // No managed settings: the protocol's "no policy" answer.
  app.get("/managed/settings", () => new Response(null, { status: 404 }));
  return app;
}
