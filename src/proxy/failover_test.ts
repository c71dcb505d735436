import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAnthropicProvider } from "../providers/anthropic/anthropic_provider.ts";
import type { CanonicalRequest } from "../providers/types.ts";
import { CircuitBreakers } from "../routing/circuit_breaker.ts";
import type { Target } from "../routing/router.ts";
import { ConnectCheck } from "./connect_check.ts";
import { forwardWithFailover } from "./failover.ts";
import { RequestRecord } from "./request_record.ts";
import { ClientGone } from "./upstream_fetch.ts";

describe("forwardWithFailover", () => {
  const stopping = new AbortController();
  let received = 0;
  let upstream: Deno.HttpServer<Deno.NetAddr>;

  before(() => {
    // An upstream that never answers: it holds each request until its client goes away.
    upstream = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
      received++;
      const gone = AbortSignal.any([request.signal, stopping.signal]);
      return new Promise((resolve) =>
        gone.addEventListener("abort", () => resolve(new Response(null, { status: 504 })))
      );
    });
  });
  after(async () => {
    stopping.abort();
    await upstream.shutdown();
  });

  function target(name: string): Target {
    const provider = createAnthropicProvider({
      name,
      baseUrl: `http://127.0.0.1:${upstream.addr.port}`,
      config: {},
      secret: "sk-test",
    });
    return { provider, model: "claude-x", id: `${name}|claude-x` };
  }

  const body = { model: "claude-x", max_tokens: 1, messages: [{ role: "user", content: "hi" }] };
  const request: CanonicalRequest = {
    operation: "messages",
    bodyBytes: new TextEncoder().encode(JSON.stringify(body)),
    body,
    search: "",
    headers: [],
    stream: false,
  };

  it("gives back a half-open probe whose client left, so the next request probes", async () => {
    let now = 0;
    const breakers = new CircuitBreakers({ failureThreshold: 1, cooldownMs: 1000 }, () => now);
    const [primary, secondary] = [target("primary"), target("secondary")];
    breakers.failure(primary.id);
    now += 1000;
    const client = new AbortController();
    const asked = received;
    const forwarded = forwardWithFailover(
      [primary, secondary],
      request,
      new RequestRecord("req_test", "messages", () => {}),
      client.signal,
      {
        maxAttempts: 2,
        deadlineMs: 10_000,
        firstByteTimeoutMs: 10_000,
        maxRetryAfterMs: 0,
        connectCheck: new ConnectCheck(1000),
        breakers,
      },
    );
    while (received === asked) await new Promise((resolve) => setTimeout(resolve, 5));
    client.abort();
    await assert.rejects(forwarded, ClientGone);
    assert.equal(breakers.allow(primary.id), true, "the next request may probe");
    assert.equal(breakers.allow(primary.id), false, "one probe at a time");
  });
});
