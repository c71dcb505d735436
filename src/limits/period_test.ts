import assert from "node:assert/strict";
import { it } from "node:test";
import { periodEnd, periodStart } from "./period.ts";

const at = (iso: string) => Date.parse(iso);

it("computes UTC calendar periods", () => {
  const now = at("2026-11-29T15:30:00Z"); // a Sunday
  assert.equal(periodStart("day", now), at("2026-11-29T00:00:00Z"));
  assert.equal(periodEnd("day", now), at("2026-11-30T00:00:00Z"));
  assert.equal(periodStart("week", now), at("2026-11-23T00:00:00Z"));
  assert.equal(periodEnd("week", now), at("2026-11-30T00:00:00Z"));
  assert.equal(periodStart("month", now), at("2026-11-01T00:00:00Z"));
  assert.equal(periodEnd("month", now), at("2026-12-01T00:00:00Z"));
  assert.equal(periodEnd("month", at("2026-12-31T23:59:59Z")), at("2027-01-01T00:00:00Z"));
  assert.equal(periodStart("total", now), 0);
  assert.equal(periodEnd("total", now), undefined);
});

it("rolls over exactly at the boundary", () => {
  assert.equal(periodStart("month", at("2026-11-30T23:59:59.999Z")), at("2026-11-01T00:00:00Z"));
  assert.equal(periodStart("month", at("2026-12-01T00:00:00Z")), at("2026-12-01T00:00:00Z"));
});

it("follows a configured time zone, across daylight saving changes", () => {
  const now = at("2026-11-29T03:00:00Z"); // 22:00 on the 28th in New York
  assert.equal(periodStart("day", now, "America/New_York"), at("2026-11-28T05:00:00Z"));
  assert.equal(periodStart("month", now, "America/New_York"), at("2026-11-01T04:00:00Z"));
  assert.equal(periodEnd("month", now, "America/New_York"), at("2026-12-01T05:00:00Z"));
  assert.equal(
    periodStart("day", at("2026-06-15T12:00:00Z"), "Europe/Berlin"),
    at("2026-06-14T22:00:00Z"),
  );
});
