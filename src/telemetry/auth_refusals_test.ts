import assert from "node:assert/strict";
import { it } from "node:test";
import { AuthRefusals } from "./auth_refusals.ts";

const MINUTE = 60_000;

it("counts refusals per reason and per minute", () => {
  let now = 10 * MINUTE + 5_000;
  const refusals = new AuthRefusals(() => now);
  refusals.add("unknown");
  refusals.add("unknown");
  refusals.add("missing");
  now += MINUTE;
  refusals.add("revoked");
  assert.deepEqual(refusals.totals(), {
    missing: 1,
    not_gw_key: 0,
    unknown: 2,
    revoked: 1,
    expired: 0,
  });
  const minutes = refusals.lastHour();
  assert.deepEqual(minutes.map((m) => m.minute), [10 * MINUTE, 11 * MINUTE]);
  assert.equal(minutes[0].counts.unknown, 2);
  assert.equal(minutes[0].counts.missing, 1);
  assert.equal(minutes[1].counts.revoked, 1);
});

it("keeps one hour of minutes in a fixed ring, whatever the volume", () => {
  let now = 0;
  const refusals = new AuthRefusals(() => now);
  for (let minute = 0; minute < 180; minute++) {
    now = minute * MINUTE;
    for (let i = 0; i < 1000; i++) refusals.add("unknown");
  }
  const minutes = refusals.lastHour();
  assert.equal(minutes.length, 60);
  assert.equal(minutes[0].minute, 120 * MINUTE);
  assert.equal(minutes.at(-1)!.minute, 179 * MINUTE);
  assert.ok(minutes.every((m) => m.counts.unknown === 1000), "reused slots start from zero");
  assert.equal(refusals.totals().unknown, 180_000);
  now = 300 * MINUTE;
  assert.deepEqual(refusals.lastHour(), [], "minutes older than an hour are not shown");
});
