import assert from "node:assert/strict";
import { it } from "node:test";
import { mergeUsage, totalInputTokens, ZERO_USAGE } from "./usage.ts";

it("counts unsplit cache writes as 5-minute writes", () => {
  const usage = mergeUsage(ZERO_USAGE, {
    input_tokens: 1,
    cache_creation_input_tokens: 50,
    cache_read_input_tokens: 3,
  });
  assert.equal(usage.cacheWrite5mTokens, 50);
  assert.equal(usage.cacheWrite1hTokens, 0);
  assert.equal(totalInputTokens(usage), 54);
});

it("ignores garbage usage values", () => {
  assert.deepEqual(mergeUsage(ZERO_USAGE, { input_tokens: "5", output_tokens: -1 }), ZERO_USAGE);
  assert.deepEqual(mergeUsage(ZERO_USAGE, null), ZERO_USAGE);
});
