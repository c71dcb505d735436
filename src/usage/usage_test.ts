import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TOKENS_PER_REQUEST, mergeUsage, totalInputTokens, ZERO_USAGE } from "./usage.ts";

describe("mergeUsage", () => {
  it("counts unsplit cache writes as 5-minute writes", () => {
    const usage = mergeUsage(ZERO_USAGE, {
      input_tokens: 1,
      cache_creation_input_tokens: 50,
      cache_read_input_tokens: 3,
    });
    assert.equal(usage.cacheWrite5mTokens, 50);
    assert.equal(usage.cacheWrite1hTokens, 0);
    assert.equal(totalInputTokens(usage), 54);
    assert.equal(usage.clamped, undefined);
  });

  it("ignores values that are not numbers", () => {
    assert.deepEqual(mergeUsage(ZERO_USAGE, { input_tokens: "5", output_tokens: null }), {
      ...ZERO_USAGE,
    });
    assert.deepEqual(mergeUsage(ZERO_USAGE, null), ZERO_USAGE);
  });

  it("clamps negative, non-finite and absurd counts and marks the usage", () => {
    // JSON.parse turns 1e999 into Infinity; 1e308 is finite but prices to Infinity.
    const raw = JSON.parse(`{"input_tokens":1e308,"output_tokens":-1,"cache_read_input_tokens":
      1e999,"cache_creation":{"ephemeral_5m_input_tokens":-1e999,"ephemeral_1h_input_tokens":7}}`);
    const usage = mergeUsage(ZERO_USAGE, raw);
    assert.deepEqual(usage, {
      inputTokens: MAX_TOKENS_PER_REQUEST,
      outputTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 7,
      cacheReadTokens: MAX_TOKENS_PER_REQUEST,
      clamped: true,
    });
    assert.ok(Number.isFinite(totalInputTokens(usage)));
  });

  it("keeps the mark through later stream events", () => {
    const start = mergeUsage(ZERO_USAGE, { input_tokens: 1e308, output_tokens: 1 });
    const end = mergeUsage(start, { output_tokens: 40 });
    assert.equal(end.outputTokens, 40);
    assert.equal(end.clamped, true);
  });
});
