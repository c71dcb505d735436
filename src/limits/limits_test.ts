import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Budget, Chargee } from "./budget.ts";
import { type BudgetState, decideBudgets } from "./budget_check.ts";
import { RateLimiter } from "./rate_limit.ts";
import { MemoryRateStore } from "./rate_store.ts";
import { counterKey, SpendLedger } from "./spend_ledger.ts";
import { GatewayError } from "../server/errors.ts";
import { budget as budgetFields } from "../../test/helpers/budgets.ts";

const budget: Budget = { id: "b1", ...budgetFields({ limitUsd: 10 }) };

function state(
  spent: number,
  reserved = 0,
  inFlight = 0,
  fields: Partial<Budget> = {},
): BudgetState {
  return {
    budget: { ...budget, ...fields },
    member: "",
    periodStart: 0,
    resetAt: Date.UTC(2026, 11, 1),
    spent: { usd: spent, tokens: 0 },
    reserved: { usd: reserved, tokens: 0 },
    inFlight,
  };
}

describe("decideBudgets", () => {
  it("refuses nothing while anything is left (the leases judge what fits)", () => {
    assert.equal(decideBudgets([state(9.99)]).refusal, undefined);
  });

  it("refuses once spent, naming scope, amounts and reset", () => {
    const { refusal } = decideBudgets([state(10.5)]);
    assert.equal(
      refusal?.message,
      "Budget exhausted for team payments: spent $10.50 of $10.00 this month; resets 2026-12-01 00:00 UTC. Ask your gw admin to raise it.",
    );
  });

  it("never refuses for a soft budget, but warns", () => {
    const decision = decideBudgets([state(50, 0, 0, { hard: false })]);
    assert.equal(decision.refusal, undefined);
    assert.equal(decision.warnings.length, 1);
  });

  it("counts tokens for token budgets and offers downgrades past the threshold", () => {
    const tokens = state(0, 0, 0, {
      limitUsd: null,
      limitTokens: 1000,
      downgradeModel: "cheap",
      downgradeAtPct: 50,
    });
    tokens.spent = { usd: 999, tokens: 600 };
    const decision = decideBudgets([tokens]);
    assert.equal(decision.refusal, undefined);
    assert.equal(decision.downgradeModel, "cheap");
  });
});

describe("SpendLedger", () => {
  const key = counterKey("b1", 0, "");
  const amount = (usd: number) => ({ usd, tokens: usd * 100 });

  it("counts spend exactly once while writes and snapshot reads interleave", () => {
    const ledger = new SpendLedger();
    ledger.reserve(key, amount(5));
    assert.deepEqual(ledger.reservedFor(key), amount(5));
    ledger.settle(key, amount(5), amount(2));
    assert.equal(ledger.spent(key).usd, 2);
    assert.equal(ledger.inFlightFor(key), 0);
    // A snapshot read that began before the write commits must not lose or double the 2.
    ledger.beginSnapshot();
    ledger.markCommitted([{ budgetId: "b1", periodStart: 0, member: "", ...amount(2) }]);
    ledger.completeSnapshot([]);
    assert.equal(ledger.spent(key).usd, 2);
    ledger.beginSnapshot();
    ledger.completeSnapshot([[key, amount(2)]]);
    assert.equal(ledger.spent(key).usd, 2);
    ledger.beginSnapshot();
    ledger.failSnapshot();
    assert.equal(ledger.spent(key).usd, 2);
  });
});

describe("RateLimiter", () => {
  const chargee = {
    keyId: "k1",
    identity: { team: "t", user: "u" },
    tags: { team: "t", user: "u" },
  } as unknown as Chargee;

  it("refills requests per minute over time", async () => {
    let now = 0;
    const limiter = new RateLimiter(new MemoryRateStore(), () => now);
    limiter.setLimits([{
      id: "r",
      scope: "key",
      value: "k1",
      rpm: 2,
      tpm: null,
      concurrent: null,
    }]);
    (await limiter.acquire(chargee)).release(0);
    (await limiter.acquire(chargee)).release(0);
    await assert.rejects(
      async () => await limiter.acquire(chargee),
      (e: GatewayError) => e.status === 429 && e.headers["retry-after"] === "30",
    );
    now = 30_000;
    await limiter.acquire(chargee);
  });

  it("charges tokens after the fact and caps concurrency", async () => {
    let now = 0;
    const limiter = new RateLimiter(new MemoryRateStore(), () => now);
    limiter.setLimits([{
      id: "r",
      scope: "team",
      value: "t",
      rpm: null,
      tpm: 1000,
      concurrent: 1,
    }]);
    const lease = await limiter.acquire(chargee);
    await assert.rejects(async () => await limiter.acquire(chargee), /1 concurrent requests/);
    lease.release(1500);
    await assert.rejects(async () => await limiter.acquire(chargee), /1000 tokens per minute/);
    now = 60_000;
    await limiter.acquire(chargee);
  });

  it("ignores limits of other scopes", async () => {
    const limiter = new RateLimiter(new MemoryRateStore());
    limiter.setLimits([{
      id: "r",
      scope: "user",
      value: "someone-else",
      rpm: 1,
      tpm: null,
      concurrent: null,
    }]);
    for (let i = 0; i < 5; i++) await limiter.acquire(chargee);
  });
});
