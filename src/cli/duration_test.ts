import assert from "node:assert/strict";
import { it } from "node:test";
import { parseDuration, parseSince } from "./duration.ts";

it("parses durations and points in time", () => {
  assert.equal(parseDuration("30d"), 30 * 86_400_000);
  assert.equal(parseDuration("2w"), 14 * 86_400_000);
  assert.equal(parseSince("1h", 10_000_000), 10_000_000 - 3_600_000);
  assert.equal(parseSince("2026-11-01T00:00:00Z"), Date.UTC(2026, 10, 1));
  assert.throws(() => parseDuration("soon"), /Invalid duration/);
  assert.throws(() => parseSince("yesterday-ish"), /Invalid time/);
});
