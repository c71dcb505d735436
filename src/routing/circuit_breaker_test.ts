import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CircuitBreakers } from "./circuit_breaker.ts";

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
