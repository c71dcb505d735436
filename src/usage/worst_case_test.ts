import assert from "node:assert/strict";
import { it } from "node:test";
import { PriceTable } from "./cost.ts";
import { worstCaseCost } from "./worst_case.ts";

const price = { input: 5, output: 25, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 };
const prices = new PriceTable({ "m": price }, price);

it("bounds input by the body's bytes at the dearest input rate and output by max_tokens", () => {
  const cost = worstCaseCost(prices, "m", 60_000, 32_000, 4000);
  assert.equal(cost.tokens, 92_000);
  assert.ok(Math.abs(cost.usd - (60_000 * 10 + 32_000 * 25) / 1e6) < 1e-9);
});

it("never reserves a negative or infinite output", () => {
  for (const maxTokens of [-5, Infinity, NaN, "10", undefined]) {
    const cost = worstCaseCost(prices, "m", 100, maxTokens, 4000);
    assert.equal(cost.tokens, 4100, String(maxTokens));
  }
  assert.equal(worstCaseCost(prices, "m", 0, 0, 4000).usd, 0);
});
