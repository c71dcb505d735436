import assert from "node:assert/strict";
import { it } from "node:test";
import { hashDeviceCode, newDeviceCode, newUserCode, normalizeUserCode } from "./device_codes.ts";

it("makes user codes from the RFC 8628 alphabet and reads them back however typed", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const code = newUserCode();
    assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    seen.add(code);
    assert.equal(normalizeUserCode(code.toLowerCase().replace("-", " ")), code);
  }
  assert.equal(seen.size, 500);
});

it("makes 256-bit URL-safe device codes and hashes them", () => {
  const code = newDeviceCode();
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newDeviceCode(), code);
  assert.match(hashDeviceCode(code), /^[0-9a-f]{64}$/);
  assert.notEqual(hashDeviceCode(code), hashDeviceCode(newDeviceCode()));
});
