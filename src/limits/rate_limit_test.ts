import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { requestTags } from "../tags/request_tags.ts";
import { chargeeOf } from "./budget.ts";
import { type RateLimit, RateLimiter } from "./rate_limit.ts";
import { MemoryRateStore } from "./rate_store.ts";

const key = {
  id: "key_1",
  team: "mobile",
  department: null,
  user: null,
  project: null,
  env: null,
  tags: {},
} as unknown as KeyRecord;

function limit(fields: Partial<RateLimit>): RateLimit {
  return { id: "r", scope: "user", value: "dave", rpm: 1, tpm: null, concurrent: 1, ...fields };
}

async function acquire(limiter: RateLimiter, headers: Record<string, string>, owner = key) {
  return await limiter.acquire(chargeeOf(owner, requestTags(owner, new Headers(headers))));
}

describe("RateLimiter scopes", () => {
  it("never limits, or consumes, a user the request only declares", async () => {
    const limiter = new RateLimiter(new MemoryRateStore(), () => 0);
    limiter.setLimits([limit({})]);
    // Another key declaring dave: not limited as dave, and dave's bucket stays full.
    for (let i = 0; i < 5; i++) await acquire(limiter, { "x-gw-user": "dave" });
    const dave = { ...key, id: "key_dave", user: "dave" } as KeyRecord;
    const lease = await acquire(limiter, {}, dave);
    await assert.rejects(() => acquire(limiter, {}, dave), /user dave: 1 requests per minute/);
    lease.release(0);
  });

  it("limits the key's bound user whatever user it declares", async () => {
    const limiter = new RateLimiter(new MemoryRateStore(), () => 0);
    limiter.setLimits([limit({})]);
    const dave = { ...key, user: "dave" } as KeyRecord;
    await acquire(limiter, { "x-gw-user": "erin" }, dave);
    await assert.rejects(() => acquire(limiter, { "x-gw-user": "frank" }, dave), /user dave/);
  });

  it("limits the key's team, not a team a header names", async () => {
    const limiter = new RateLimiter(new MemoryRateStore(), () => 0);
    limiter.setLimits([limit({ scope: "team", value: "payments" })]);
    for (let i = 0; i < 3; i++) await acquire(limiter, { "x-gw-team": "payments" });
    limiter.setLimits([limit({ scope: "team", value: "mobile" })]);
    await acquire(limiter, {});
    await assert.rejects(() => acquire(limiter, {}), /team mobile/);
  });
});
