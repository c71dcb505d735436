import assert from "node:assert/strict";
import { it } from "node:test";
import { nextMonthStartUtc, resetText } from "./reset_text.ts";

it("words a reset in the same year without the year", () => {
  const now = new Date("2026-06-15T10:00:00Z");
  assert.equal(resetText(nextMonthStartUtc(now), now), "Jul 1, 12am");
});

it("adds the year when the reset falls in the next year", () => {
  const now = new Date("2026-12-02T18:00:00Z");
  assert.equal(resetText(nextMonthStartUtc(now), now), "Jan 1, 2027, 12am");
});
