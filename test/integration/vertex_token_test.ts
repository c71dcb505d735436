/**
 * A Vertex token endpoint that misbehaves: one that never answers ends the request within
 * gw's timeouts (and as soon as the client leaves); one that refuses the service account says
 * so, without naming the account, and failover moves on to the next target.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { FakeVertex, makeServiceAccount } from "../fakes/vertex.ts";
import { eventually, type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { upsertRoute } from "../../src/db/repos/routes_repo.ts";
import type { Route } from "../../src/routing/route.ts";

/** Longer than any answer below should take: without the fixes they hang past it. */
const CLIENT_PATIENCE_MS = 5000;
const FULL_BODY = messagesBody({ model: "claude-sonnet-4-5" });
/**
 * Deno 2.9.6's server does not abort `request.signal` when a client that sent a body of about
 * 1 KB or more leaves before the response starts, so the leaving client sends a tiny one.
 */
const TINY_BODY = {
  model: "claude-sonnet-4-5",
  max_tokens: 16,
  messages: [{ role: "user", content: "hi" }],
};

describe("Vertex token endpoint faults", () => {
  let anthropic: FakeAnthropic;
  let vertex: FakeVertex;
  let account: Awaited<ReturnType<typeof makeServiceAccount>>;
  const running: Harness[] = [];

  before(async () => {
    anthropic = new FakeAnthropic().start();
    vertex = new FakeVertex().start();
    account = await makeServiceAccount(vertex.tokenUrl);
    vertex.publicKey = account.publicKey;
  });
  after(async () => {
    await Promise.all(running.map((gw) => gw.stop()));
    await Promise.all([anthropic.stop(), vertex.stop()]);
  });

  /** A gw with a Vertex provider (a fresh token cache) and an Anthropic one. */
  async function gwWith(overrides: Record<string, unknown>, targets: Route["targets"]) {
    const gw = await startGw(overrides);
    running.push(gw);
    await gw.addProvider("vertex-eu", "vertex", vertex.url, account.json, {
      project: "test-project",
      region: "europe-west1",
    });
    await gw.addProvider("anthropic-main", "anthropic", anthropic.url, anthropic.apiKey);
    await upsertRoute(gw.db, {
      modelGlob: "claude-*",
      team: "",
      condition: "",
      strategy: "fallback",
      targets,
    }, "test");
    await gw.gateway.refresh();
    const key = (await gw.createKey()).secret;
    const send = (signal = AbortSignal.timeout(CLIENT_PATIENCE_MS), body = FULL_BODY) =>
      fetch(`${gw.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify(body),
        signal,
      });
    return { gw, send };
  }

  const vertexOnly: Route["targets"] = [{ provider: "vertex-eu", weight: 1 }];
  const vertexThenAnthropic: Route["targets"] = [
    { provider: "vertex-eu", weight: 1 },
    { provider: "anthropic-main", weight: 1 },
  ];

  it("gives up on a token endpoint that hangs after the connect timeout", async () => {
    vertex.tokenMode = "hang";
    const { gw, send } = await gwWith({ upstream: { connectTimeoutMs: 300 } }, vertexOnly);
    const started = Date.now();
    const response = await send();
    assert.equal(response.status, 502);
    assert.equal(
      (await response.json()).error.message,
      "Provider vertex-eu could not get an access token: the token endpoint did not answer within 1 s",
    );
    assert.ok(Date.now() - started < 3000);
    const [row] = await gw.rows();
    assert.match(row.errorMessage ?? "", /could not get an access token/);
  });

  it("ends a request waiting on a hung token endpoint at the first-byte timeout", async () => {
    vertex.tokenMode = "hang";
    const { send } = await gwWith(
      { upstream: { connectTimeoutMs: 60_000, firstByteTimeoutMs: 400 } },
      vertexOnly,
    );
    const response = await send();
    assert.equal(response.status, 504);
    assert.equal((await response.json()).error.type, "timeout_error");
  });

  it("stops waiting on a hung token endpoint when the client leaves", async () => {
    vertex.tokenMode = "hang";
    const { gw, send } = await gwWith({ upstream: { connectTimeoutMs: 60_000 } }, vertexOnly);
    const client = new AbortController();
    const asked = vertex.tokenRequests;
    const sent = send(client.signal, TINY_BODY).catch(() => undefined);
    await eventually(() => assert.ok(vertex.tokenRequests > asked));
    client.abort();
    await sent;
    const row = await eventually(async () => {
      const [row] = await gw.rows();
      assert.ok(row);
      return row;
    }, 2000);
    assert.equal(row.status, 499);
  });

  it("says the token was refused, without the account, and fails over", async () => {
    vertex.tokenMode = "reject";
    const single = await gwWith({}, vertexOnly);
    const refused = await single.send();
    assert.equal(refused.status, 502);
    const text = await refused.text();
    assert.equal(
      JSON.parse(text).error.message,
      "Provider vertex-eu could not get an access token: the token endpoint answered 400 invalid_grant",
    );
    assert.doesNotMatch(text, /iam\.gserviceaccount|test-project|account not found/);
    const [row] = await single.gw.rows();
    assert.equal(row.errorMessage, JSON.parse(text).error.message);

    const failover = await gwWith({}, vertexThenAnthropic);
    const answered = await failover.send();
    assert.equal(answered.status, 200);
    await answered.text();
    const [served] = await failover.gw.rows();
    assert.equal(served.provider, "anthropic-main");
    assert.equal(served.attempts, 2);
  });
});
