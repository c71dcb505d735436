import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CircuitBreakers, MAX_CIRCUITS } from "./circuit_breaker.ts";

describe("CircuitBreakers", () => {
  it("opens after the threshold, lets one probe through after the cooldown, closes on success", () => {
    let now = 0;
    const breakers = new CircuitBreakers({ failureThreshold: 2, cooldownMs: 100 }, () => now);
    breakers.failure("t");
    assert.equal(breakers.allow("t"), true);
    breakers.failure("t");
    assert.equal(breakers.allow("t"), false);
    now += 100;
    assert.equal(breakers.allow("t"), true);
    assert.equal(breakers.allow("t"), false, "the probe is taken");
    breakers.success("t");
    assert.equal(breakers.state("t"), "closed");
  });

  it("hands a released probe to the next request at once", () => {
    let now = 0;
    const breakers = new CircuitBreakers({ failureThreshold: 1, cooldownMs: 100 }, () => now);
    breakers.failure("t");
    now += 100;
    assert.equal(breakers.allow("t"), true);
    breakers.release("t");
    assert.equal(breakers.allow("t"), true);
    breakers.failure("t");
    assert.equal(breakers.state("t"), "open", "a failed probe opens it for a full cooldown");
    breakers.release("t");
    assert.equal(breakers.allow("t"), false, "release only gives back a probe in flight");
  });
});

it("remembers only failing targets, and at most MAX_CIRCUITS of them", () => {
  const breakers = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 1000 }, () => 0);
  breakers.failure("a");
  breakers.success("a");
  assert.deepEqual(breakers.snapshot(), {});
  for (let i = 0; i < MAX_CIRCUITS * 2; i++) breakers.failure(`junk-${i}`);
  assert.equal(Object.keys(breakers.snapshot()).length, MAX_CIRCUITS);
  for (let i = 0; i < 3; i++) breakers.failure("real");
  assert.equal(breakers.state("real"), "open");
});
