import assert from "node:assert/strict";
import { it } from "node:test";
import { ConnectCheck, ConnectTimeout } from "./connect_check.ts";

it("times out a host that never accepts and trusts one that answered recently", async () => {
  let calls = 0;
  let now = 0;
  let closed = 0;
  const never = () => {
    calls++;
    return new Promise<{ close(): void }>(() => {});
  };
  const check = new ConnectCheck(30, 60_000, never, () => now);
  await assert.rejects(
    check.ensure("https://bedrock-runtime.us-east-1.amazonaws.com/model/x"),
    ConnectTimeout,
  );
  assert.equal(calls, 1);
  check.markOk("https://bedrock-runtime.us-east-1.amazonaws.com/other");
  await check.ensure("https://bedrock-runtime.us-east-1.amazonaws.com/model/x");
  assert.equal(calls, 1, "a host that answered within freshMs needs no probe");
  now = 61_000;
  const open = new ConnectCheck(
    1000,
    60_000,
    () => Promise.resolve({ close: () => closed++ }),
    () => now,
  );
  await open.ensure("http://127.0.0.1:8080/v1/messages");
  assert.equal(closed, 1, "the probe connection is closed");
});

it("reaches a real local listener and fails fast on a refused port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepting = (async () => {
    for await (const connection of listener) connection.close();
  })();
  const check = new ConnectCheck(2000);
  await check.ensure(`http://127.0.0.1:${port}/`);
  listener.close();
  await accepting.catch(() => {});
  await assert.rejects(new ConnectCheck(2000).ensure(`http://127.0.0.1:${port}/`));
});
