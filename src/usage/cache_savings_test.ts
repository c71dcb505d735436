import assert from "node:assert/strict";
import { it } from "node:test";
import { cacheSavings } from "./cache_savings.ts";
import { PriceTable } from "./cost.ts";

it("prices each model's cache reads at its own rates and folds them per team", () => {
  const row = (team: string, model: string, inputTokens: number, cacheReadTokens: number) => ({
    group: { team, model },
    requests: 1,
    errors: 0,
    inputTokens,
    outputTokens: 0,
    cacheWriteTokens: 0,
    cacheReadTokens,
    costUsd: 0,
    estimatedCostUsd: 0,
  });
  const result = cacheSavings(
    [
      row("payments", "claude-opus-5-5", 1_000_000, 3_000_000),
      row("payments", "claude-sonnet-5-5", 0, 1_000_000),
      row("search", "claude-opus-5-5", 1_000_000, 0),
    ],
    ["team"],
    new PriceTable(),
  );
  assert.deepEqual(result.map((r) => r.group.team), ["payments", "search"]);
  assert.equal(result[0].hitRatio, 0.8);
  // Opus 5.5: 3M × (4 − 0.20); Sonnet 5.5: 1M × (2 − 0.10).
  assert.ok(Math.abs(result[0].savedUsd - (3 * 3.8 + 1.9)) < 1e-9);
  assert.equal(result[1].savedUsd, 0);
});
