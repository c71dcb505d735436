import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { GatewayError } from "../server/errors.ts";
import { AuthRefusal } from "./auth_refusal.ts";
import { Authenticator, keyFromHeaders } from "./authenticator.ts";
import { assertModelAllowed } from "./key_check.ts";
import { displayPrefix, generateKeySecret, hashKeySecret, looksLikeKey } from "./key_secret.ts";

function record(fields: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: "key_1",
    name: null,
    prefix: "gw_abcdefgh",
    teamId: "team_1",
    team: "payments",
    department: null,
    user: "alice",
    project: null,
    env: null,
    tags: {},
    models: [],
    projects: [],
    expiresAt: null,
    revokedAt: null,
    createdAt: 0,
    updatedAt: 0,
    ...fields,
  };
}

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError);
    return error;
  }
  assert.fail("expected a refusal");
}

describe("key secrets", () => {
  it("are random, well-formed and stored only as a SHA-256 hash", async () => {
    const a = generateKeySecret();
    const b = generateKeySecret();
    assert.notEqual(a, b);
    assert.ok(looksLikeKey(a));
    assert.equal(displayPrefix(a).length, 11);
    assert.match(await hashKeySecret(a), /^[0-9a-f]{64}$/);
    assert.equal(await hashKeySecret(a), await hashKeySecret(a));
    assert.ok(!looksLikeKey("sk-ant-api03-abc"));
  });
});

describe("Authenticator", () => {
  it("finds the key in x-api-key or a bearer token", () => {
    const secret = generateKeySecret();
    assert.equal(keyFromHeaders(new Headers({ "x-api-key": secret })), secret);
    assert.equal(keyFromHeaders(new Headers({ authorization: `Bearer ${secret}` })), secret);
    assert.equal(
      keyFromHeaders(new Headers({ "x-api-key": "other", authorization: `Bearer ${secret}` })),
      secret,
    );
  });

  it("caches lookups until invalidated", async () => {
    const secret = generateKeySecret();
    const hash = await hashKeySecret(secret);
    let current = record();
    let lookups = 0;
    const auth = new Authenticator((h) => {
      lookups++;
      return Promise.resolve(h === hash ? current : undefined);
    });
    const headers = new Headers({ "x-api-key": secret });
    await auth.authenticate(headers);
    await auth.authenticate(headers);
    assert.equal(lookups, 1);
    current = record({ revokedAt: 1_000 });
    auth.invalidate();
    const error = await refusal(auth.authenticate(headers));
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assert.match(error.message, /revoked on 1970-01-01T00:00:01Z/);
  });

  it("remembers unknown keys without growing without bound", async () => {
    let lookups = 0;
    const auth = new Authenticator(() => {
      lookups++;
      return Promise.resolve(undefined);
    });
    const headers = new Headers({ "x-api-key": generateKeySecret() });
    await refusal(auth.authenticate(headers));
    await refusal(auth.authenticate(headers));
    assert.equal(lookups, 1);
  });

  it("checks expiry against the clock at request time", async () => {
    const secret = generateKeySecret();
    let now = 1_000;
    const auth = new Authenticator(() => Promise.resolve(record({ expiresAt: 2_000 })), () => now);
    const headers = new Headers({ "x-api-key": secret });
    await auth.authenticate(headers);
    now = 2_000;
    assert.match((await refusal(auth.authenticate(headers))).message, /expired/);
  });
  it("names the reason of every refusal, so refusals can be counted instead of logged", async () => {
    const known = generateKeySecret();
    const revoked = generateKeySecret();
    const expired = generateKeySecret();
    const records: Record<string, KeyRecord> = {
      [await hashKeySecret(known)]: record(),
      [await hashKeySecret(revoked)]: record({ revokedAt: 1 }),
      [await hashKeySecret(expired)]: record({ expiresAt: 1 }),
    };
    const auth = new Authenticator((hash) => Promise.resolve(records[hash]), () => 10);
    const reason = async (headers: HeadersInit) => {
      const error = await refusal(auth.authenticate(new Headers(headers)));
      assert.ok(error instanceof AuthRefusal);
      assert.equal(error.status, 401);
      return error.reason;
    };
    assert.equal(await reason({}), "missing");
    assert.equal(await reason({ "x-api-key": "sk-ant-api03-xyz" }), "not_gw_key");
    assert.equal(await reason({ "x-api-key": generateKeySecret() }), "unknown");
    assert.equal(await reason({ "x-api-key": revoked }), "revoked");
    assert.equal(await reason({ authorization: `Bearer ${expired}` }), "expired");
    assert.equal((await auth.authenticate(new Headers({ "x-api-key": known }))).id, "key_1");
  });
});

describe("model globs", () => {
  it("allow every model when empty and only matching ones otherwise", () => {
    assertModelAllowed(record(), "anything");
    const limited = record({ models: ["claude-haiku-*", "claude-sonnet-5-5"] });
    assertModelAllowed(limited, "claude-haiku-5-5");
    assertModelAllowed(limited, "claude-sonnet-5-5");
    assert.throws(
      () => assertModelAllowed(limited, "claude-opus-5-5"),
      (e: GatewayError) => e.status === 403,
    );
    assert.throws(() => assertModelAllowed(limited, "claude-sonnet-5-5x"), GatewayError);
  });
});
