/**
 * Claude Code's gateway sign-in (`/login`; the "Claude Code gateway protocol" the pinned
 * client documents): RFC 8414 metadata, the RFC 8628 device flow, and a verification page
 * where a developer approves the sign-in with the gw key their admin gave them. The sign-in
 * mints a key of its own with the approving key's team, user, project, env and models, linked
 * to it: revoking or rotating the approving key ends every key minted from it down the chain,
 * and none outlives it. Signed in, Claude Code shows gw's budget headers as its "You've used
 * NN% …" notices.
 */
import { Hono, type MiddlewareHandler } from "hono";
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
import { type BucketRate, ClientBuckets } from "../limits/client_buckets.ts";
import { GatewayError } from "./errors.ts";
import { readSignInForm } from "./signin_form.ts";
import { approvalForm, escapeHtml, page } from "./signin_pages.ts";

export interface SignInDeps {
  db: Database;
  authenticator: Authenticator;
  keyTtlDays: number;
  codeTtlSeconds: number;
  /** Sign-ins waiting at most (unexpired rows); past it new ones are refused with 503. */
  maxPendingCodes: number;
  now?: () => number;
}

const POLL_INTERVAL_S = 5;
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const NO_STORE = { "cache-control": "no-store" };
/**
 * Requests per client address (RFC 8628 §5.1), checked before any body is read. Generous
 * enough for an office behind one address: Claude Code polls every 5 s (12 a minute per
 * sign-in; past the limit `slow_down` makes it poll slower), and a developer starts a sign-in
 * about once a month. The rows anonymous starts cost are bounded by `maxPendingCodes`.
 */
const RATES = {
  start: { burst: 20, perMinute: 20 },
  poll: { burst: 30, perMinute: 120 },
  /** Approval attempts: what stops guessing user codes. */
  approve: { burst: 10, perMinute: 10 },
} satisfies Record<string, BucketRate>;
/** Retry hint when every pending slot is taken: codes free up as they are used or expire. */
const FULL_RETRY_AFTER_S = 60;

type Env = { Bindings: Deno.ServeHandlerInfo };

function oauthError(
  error: string,
  status = 400,
  description?: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json(
    { error, ...(description && { error_description: description }) },
    { status, headers: { ...NO_STORE, ...headers } },
  );
}

function clientAddress(info: Deno.ServeHandlerInfo | undefined): string {
  const address = info?.remoteAddr;
  return address && "hostname" in address ? address.hostname : "unknown";
}

/** Refuses a client past its rate; runs before the route reads anything of the body. */
function perClient(
  rate: BucketRate,
  now: () => number,
  refuse: (retryAfterS: number) => Response,
): MiddlewareHandler<Env> {
  const buckets = new ClientBuckets(rate);
  return async (c, next) => {
    const wait = buckets.take(clientAddress(c.env), now());
    if (wait > 0) return refuse(wait);
    await next();
  };
}

/** The form fields, or the 4xx `refuse` words for a body too large or malformed. */
async function formOr(
  request: Request,
  refuse: (error: GatewayError) => Response,
): Promise<Record<string, string> | Response> {
  try {
    return await readSignInForm(request);
  } catch (error) {
    if (error instanceof GatewayError) return refuse(error);
    throw error;
  }
}

function origin(url: string): string {
  return new URL(url).origin;
}

export function signInRoutes(deps: SignInDeps): Hono<Env> {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono<Env>();
  const slowDown = (description?: string) => (retryAfterS: number) =>
    oauthError("slow_down", 429, description, { "retry-after": String(retryAfterS) });

  app.get("/.well-known/oauth-authorization-server", (c) => {
    const base = origin(c.req.url);
    return Response.json({
      issuer: base,
      device_authorization_endpoint: `${base}/oauth/device_authorization`,
      token_endpoint: `${base}/oauth/token`,
      grant_types_supported: [DEVICE_GRANT],
    });
  });

  // The body (`surface=claude_code`) is never read: nothing in it matters.
  const startLimit = perClient(
    RATES.start,
    now,
    slowDown("Too many sign-ins started from this address"),
  );
  app.post("/oauth/device_authorization", startLimit, async (c) => {
    const deviceCode = newDeviceCode();
    const userCode = newUserCode();
    const started = now();
    const inserted = await insertDeviceLogin(db, {
      deviceCodeHash: hashDeviceCode(deviceCode),
      userCode,
      createdAt: started,
      expiresAt: started + deps.codeTtlSeconds * 1000,
      intervalS: POLL_INTERVAL_S,
      approvedKeyId: null,
      issuedAt: null,
      issuedKeyId: null,
      lastPollAt: null,
    }, deps.maxPendingCodes);
    if (!inserted) {
      return oauthError(
        "temporarily_unavailable",
        503,
        `gw has ${deps.maxPendingCodes} sign-ins waiting for approval; try again in a few minutes`,
        { "retry-after": String(FULL_RETRY_AFTER_S) },
      );
    }
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

  app.get("/device", (c) => approvalForm(normalizeUserCode(c.req.query("user_code") ?? "")));

  const approveLimit = perClient(
    RATES.approve,
    now,
    (retryAfterS) =>
      page("Too many attempts", "<p>Wait a minute, then try again.</p>", 429, {
        "retry-after": String(retryAfterS),
      }),
  );
  app.post("/device", approveLimit, async (c) => {
    const fields = await formOr(
      c.req.raw,
      (error) => approvalForm("", `This form could not be read: ${error.message}`, error.status),
    );
    if (fields instanceof Response) return fields;
    const userCode = normalizeUserCode(fields.user_code ?? "");
    let key;
    try {
      key = await deps.authenticator.authenticate(
        new Headers({ "x-api-key": (fields.key ?? "").trim() }),
      );
    } catch (error) {
      return approvalForm(
        userCode,
        error instanceof GatewayError ? error.message : "Key not accepted",
      );
    }
    if (!(await approveDeviceLogin(db, userCode, key.id, now()))) {
      return approvalForm(userCode, "No sign-in is waiting for this code: it expired or was used.");
    }
    return page(
      "Claude Code is signed in",
      `<p>Approved for team <strong>${escapeHtml(key.team)}</strong>${
        key.user ? `, user <strong>${escapeHtml(key.user)}</strong>` : ""
      }. Return to Claude Code; you can close this page.</p>`,
    );
  });

  app.post("/oauth/token", perClient(RATES.poll, now, slowDown()), async (c) => {
    const fields = await formOr(
      c.req.raw,
      (error) => oauthError("invalid_request", error.status, error.message),
    );
    if (fields instanceof Response) return fields;
    const grant = fields.grant_type ?? "";
    // No refresh tokens are issued; a refresh sends the developer back through sign-in.
    if (grant === "refresh_token") return oauthError("invalid_grant", 401);
    if (grant !== DEVICE_GRANT) return oauthError("unsupported_grant_type");
    const deviceCodeHash = hashDeviceCode(fields.device_code ?? "");
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
      // A minted key is no freer than the key that approved it (allowed projects too).
      projects: approver.projects,
      expiresAt,
    }, `sign-in:${approver.id}`);
    const recorded = await recordIssuedKey(db, deviceCodeHash, issued.id).catch(async (error) => {
      await revokeKey(db, issued, `sign-in:${approver.id}`);
      throw error;
    });
    if (!recorded) {
      // The approving key was revoked, rotated or shortened while this key was minted.
      await revokeKey(db, issued, `sign-in:${approver.id}`);
      return oauthError("access_denied", 400, "The approving key changed during sign-in");
    }
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
