import assert from "node:assert/strict";
import { it } from "node:test";
import { ClientBuckets } from "./client_buckets.ts";

it("allows a burst, then the sustained rate, per client", () => {
  const buckets = new ClientBuckets({ burst: 3, perMinute: 6 });
  for (let i = 0; i < 3; i++) assert.equal(buckets.take("a", 0), 0);
  assert.equal(buckets.take("a", 0), 10, "one token every 10 s");
  assert.equal(buckets.take("b", 0), 0, "another client has its own bucket");
  assert.equal(buckets.take("a", 9_000), 1);
  assert.equal(buckets.take("a", 10_000), 0);
  assert.equal(buckets.take("a", 10_000), 10);
  assert.equal(buckets.take("a", 600_000), 0, "refills up to the burst only");
  assert.equal(buckets.take("a", 600_000), 0);
  assert.equal(buckets.take("a", 600_000), 0);
  assert.ok(buckets.take("a", 600_000) > 0);
});

it("remembers at most maxClients addresses, forgetting the least recently seen", () => {
  const buckets = new ClientBuckets({ burst: 1, perMinute: 1 }, 100);
  buckets.take("kept", 0);
  for (let i = 0; i < 1000; i++) {
    buckets.take(`client-${i}`, 0);
    // Seen again and again, so it stays among the recent ones.
    if (i % 50 === 0) assert.ok(buckets.take("kept", 0) > 0);
  }
  assert.equal(buckets.size, 100);
  assert.ok(buckets.take("kept", 0) > 0, "a busy client is never forgotten into a fresh bucket");
  assert.equal(buckets.take("client-0", 0), 0, "a long-quiet one starts afresh");
});
