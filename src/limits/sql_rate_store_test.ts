import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import type { Chargee } from "./budget.ts";
import { type RateLimit, RateLimiter } from "./rate_limit.ts";
import { SqlRateStore } from "./sql_rate_store.ts";

const chargee = {
  keyId: "k1",
  identity: { team: "t", user: "u" },
  tags: { team: "t", user: "u" },
} as unknown as Chargee;

function limit(fields: Partial<RateLimit>): RateLimit {
  return { id: "r", scope: "team", value: "t", rpm: null, tpm: null, concurrent: null, ...fields };
}

/** Two processes' limiters on one database file, with one fake clock. */
describe("rate limits shared through the database", () => {
  let dir: string;
  let dbs: Database[];
  let now: number;
  let limiters: RateLimiter[];

  beforeEach(async () => {
    now = 1_000_000;
    dir = await Deno.makeTempDir();
    dbs = [await openDatabase(`file:${dir}/r.db`), await openDatabase(`file:${dir}/r.db`)];
    await migrate(dbs[0]);
    limiters = dbs.map((db, i) => new RateLimiter(new SqlRateStore(db, `holder${i}`), () => now));
  });
  afterEach(async () => {
    for (const db of dbs) db.client.close();
    await Deno.remove(dir, { recursive: true });
  });

  const admitted = async (limiter: RateLimiter) => {
    try {
      (await limiter.acquire(chargee)).release(0);
      return true;
    } catch {
      return false;
    }
  };

  it("admits a team's requests per minute once across processes, whichever takes them", async () => {
    for (const limiter of limiters) limiter.setLimits([limit({ rpm: 10 })]);
    let passed = 0;
    for (let i = 0; i < 30; i++) if (await admitted(limiters[i % 2])) passed++;
    assert.equal(passed, 10);
    now += 6_000;
    assert.equal(await admitted(limiters[1]), true, "a second's refill is a request again");
  });

  it("takes larger limits in chunks, so most requests ask no one", async () => {
    for (const limiter of limiters) limiter.setLimits([limit({ rpm: 1000 })]);
    const first = limiters[0].acquire(chargee);
    assert.ok(first instanceof Promise);
    (await first).release(0);
    for (let i = 0; i < 49; i++) {
      const next = limiters[0].acquire(chargee);
      assert.ok(!(next instanceof Promise), `request ${i} asked the database`);
      next.release(0);
    }
  });

  it("counts concurrent requests across processes and frees a dead process's", async () => {
    for (const limiter of limiters) limiter.setLimits([limit({ concurrent: 2 })]);
    const held = [await limiters[0].acquire(chargee), await limiters[1].acquire(chargee)];
    assert.equal(await admitted(limiters[0]), false);
    held[1].release(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await admitted(limiters[0]), true);
    // Process 0 dies holding one: after its count expires the slot is free again.
    now += 16_000;
    await limiters[1].renew();
    const a = await limiters[1].acquire(chargee);
    const b = await limiters[1].acquire(chargee);
    a.release(0);
    b.release(0);
  });

  it("charges tokens per minute across processes", async () => {
    for (const limiter of limiters) limiter.setLimits([limit({ tpm: 1000 })]);
    (await limiters[0].acquire(chargee)).release(1200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    now += 1_500;
    assert.equal(await admitted(limiters[1]), false, "process 1 sees process 0's tokens");
    now += 60_000;
    assert.equal(await admitted(limiters[1]), true);
  });
});
