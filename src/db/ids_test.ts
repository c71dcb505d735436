import assert from "node:assert/strict";
import { newId } from "./ids.ts";

Deno.test("ids carry their prefix and time, sort by time, and do not repeat", () => {
  const ids = Array.from({ length: 2000 }, (_, i) => newId("req", 1_700_000_000_000 + i));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(ids.toSorted(), ids);
  for (const id of ids) assert.match(id, /^req_[0-9a-z]{8}[0-9a-f]{16}$/);
});
