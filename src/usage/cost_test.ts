import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_COST_USD, PriceTable } from "./cost.ts";
import { canonicalModel } from "./pricing.ts";
import { MAX_TOKENS_PER_REQUEST, type Usage } from "./usage.ts";

const usage = (fields: Partial<Usage>): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 0,
  ...fields,
});
const M = 1_000_000;

describe("canonicalModel", () => {
  it("reduces every provider's spelling to one name", () => {
    assert.equal(
      canonicalModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
      "claude-sonnet-4-5",
    );
    assert.equal(canonicalModel("anthropic.claude-opus-4-6-v1"), "claude-opus-4-6");
    assert.equal(canonicalModel("claude-haiku-4-5@20251001"), "claude-haiku-4-5");
    assert.equal(canonicalModel("claude-opus-5-5[1m]"), "claude-opus-5-5");
    assert.equal(canonicalModel("global.anthropic.claude-sonnet-5-5"), "claude-sonnet-5-5");
    assert.equal(canonicalModel("claude-3-5-haiku-20241022"), "claude-3-5-haiku");
    assert.equal(canonicalModel("claude-opus-4-20250514"), "claude-opus-4");
  });
});

describe("PriceTable", () => {
  const table = new PriceTable();

  it("prices every token kind at the model's list price", () => {
    assert.equal(table.cost("claude-opus-5-5", usage({ inputTokens: M })).usd, 4);
    assert.equal(table.cost("claude-opus-5-5", usage({ outputTokens: M })).usd, 20);
    assert.equal(table.cost("claude-opus-5-5", usage({ cacheWrite5mTokens: M })).usd, 5);
    assert.equal(table.cost("claude-opus-5-5", usage({ cacheWrite1hTokens: M })).usd, 8);
    assert.equal(table.cost("claude-opus-5-5", usage({ cacheReadTokens: M })).usd, 0.2);
    assert.equal(
      table.cost("claude-sonnet-4-5-20250929", usage({ inputTokens: M, outputTokens: M })).usd,
      18,
    );
    assert.equal(
      table.cost("us.anthropic.claude-opus-4-1-20250805-v1:0", usage({ outputTokens: M })).usd,
      75,
    );
  });

  it("applies Haiku 5.5's prompt-size band to every token of the request", () => {
    assert.equal(
      table.cost("claude-haiku-5-5", usage({ inputTokens: 100_000, outputTokens: M })).usd,
      0.51,
    );
    assert.equal(
      table.cost(
        "claude-haiku-5-5",
        usage({ inputTokens: 10, cacheReadTokens: 100_000, outputTokens: M }),
      ).usd,
      (10 * 0.5 + 100_000 * 0.05 + M * 2.5) / M,
    );
  });

  it("bills unknown models at the fallback rate, marked estimated", () => {
    const cost = table.cost("claude-future-9", usage({ inputTokens: M, outputTokens: M }));
    assert.deepEqual(cost, { usd: 30, estimated: true });
  });

  it("lets config override and add prices", () => {
    const custom = new PriceTable(
      { "my-finetune": { input: 1, output: 2, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 } },
      { input: 9, output: 9, cacheWrite5m: 9, cacheWrite1h: 9, cacheRead: 9 },
    );
    assert.deepEqual(custom.cost("my-finetune", usage({ inputTokens: M, outputTokens: M })), {
      usd: 3,
      estimated: false,
    });
    assert.equal(custom.cost("nothing-known", usage({ inputTokens: M })).usd, 9);
  });
});

describe("PriceTable.cost bounds", () => {
  it("never returns a cost that cannot be stored", () => {
    const absurd = new PriceTable({}, {
      input: 1e308,
      output: 1,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      cacheRead: 0,
    });
    assert.deepEqual(absurd.cost("anything", usage({ inputTokens: 10 })), {
      usd: MAX_COST_USD,
      estimated: true,
      clamped: true,
    });
    const nan = new PriceTable().cost("claude-opus-5-5", usage({ inputTokens: NaN }));
    assert.deepEqual(nan, { usd: 0, estimated: true, clamped: true });
  });

  it("prices the largest clamped usage finitely at list prices", () => {
    const most = usage({
      inputTokens: MAX_TOKENS_PER_REQUEST,
      outputTokens: MAX_TOKENS_PER_REQUEST,
      cacheWrite5mTokens: MAX_TOKENS_PER_REQUEST,
      cacheWrite1hTokens: MAX_TOKENS_PER_REQUEST,
      cacheReadTokens: MAX_TOKENS_PER_REQUEST,
    });
    const cost = new PriceTable().cost("claude-opus-4", most);
    assert.equal(cost.clamped, undefined);
    assert.ok(Number.isFinite(cost.usd) && cost.usd < MAX_COST_USD);
  });
});
