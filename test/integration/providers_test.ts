import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { FakeBedrock } from "../fakes/bedrock.ts";
import { FakeVertex, makeServiceAccount } from "../fakes/vertex.ts";
import { closedPort, type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { upsertRoute } from "../../src/db/repos/routes_repo.ts";
import type { Route } from "../../src/routing/route.ts";

const BEDROCK_MODEL = "us.anthropic.claude-opus-4-1-20250805-v1:0";

describe("Bedrock and Vertex providers, routing and failover", () => {
  let gw: Harness;
  let anthropic: FakeAnthropic;
  let bedrock: FakeBedrock;
  let vertex: FakeVertex;
  let key: string;

  before(async () => {
    anthropic = new FakeAnthropic().start();
    bedrock = new FakeBedrock().start();
    vertex = new FakeVertex().start();
    const account = await makeServiceAccount(vertex.tokenUrl);
    vertex.publicKey = account.publicKey;
    gw = await startGw({
      routing: { maxAttempts: 3, circuitFailureThreshold: 3, circuitCooldownMs: 60_000 },
    });
    await gw.addProvider("anthropic-main", "anthropic", anthropic.url, anthropic.apiKey);
    await gw.addProvider(
      "bedrock-us",
      "bedrock",
      bedrock.url,
      JSON.stringify({
        accessKeyId: bedrock.accessKeyId,
        secretAccessKey: bedrock.secretAccessKey,
      }),
      { region: "us-east-1", pingIntervalMs: 50 },
    );
    await gw.addProvider("vertex-eu", "vertex", vertex.url, account.json, {
      project: "test-project",
      region: "europe-west1",
    });
    await gw.addProvider("dead", "anthropic", `http://127.0.0.1:${closedPort()}`, "sk-dead");
    key = (await gw.createKey()).secret;
  });
  after(async () => {
    await gw.stop();
    await Promise.all([anthropic.stop(), bedrock.stop(), vertex.stop()]);
  });

  async function route(
    modelGlob: string,
    targets: Route["targets"],
    strategy: Route["strategy"] = "fallback",
  ) {
    await upsertRoute(gw.db, { modelGlob, team: "", condition: "", strategy, targets }, "test");
    await gw.gateway.refresh();
  }

  const send = (model: string, extra: Record<string, unknown> = {}, path = "/v1/messages") =>
    fetch(gw.url + path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": key,
        "anthropic-beta": "context-1m-2025-08-07,interleaved-thinking-2025-05-14",
      },
      body: JSON.stringify(messagesBody({
        model,
        tools: [
          { name: "Read", description: "read", input_schema: { type: "object" } },
          {
            name: "Search",
            description: "search",
            input_schema: { type: "object" },
            defer_loading: true,
          },
          { type: "web_search_20250305", name: "web_search" },
        ],
        cache_control: { type: "ephemeral" },
        ...extra,
      })),
    });

  it("streams from Bedrock as Anthropic SSE with a valid SigV4 signature", async () => {
    await route("claude-bedrock-*", [{ provider: "bedrock-us", model: BEDROCK_MODEL, weight: 1 }]);
    const response = await send("claude-bedrock-opus", { stream: true });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(events.filter((e) => e !== "ping"), [
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const seen = bedrock.requests.at(-1)!;
    assert.equal(seen.signatureValid, true);
    assert.equal(seen.modelId, BEDROCK_MODEL);
    assert.match(seen.path, /invoke-with-response-stream$/);
    assert.equal(seen.body.model, undefined);
    assert.equal(seen.body.stream, undefined);
    assert.equal(seen.body.cache_control, undefined);
    assert.deepEqual(seen.body.anthropic_beta, [
      "context-1m-2025-08-07",
      "interleaved-thinking-2025-05-14",
    ]);
    const tools = seen.body.tools as Record<string, unknown>[];
    assert.deepEqual(
      tools.map((t) => t.name),
      ["Read", "Search"],
      "server tools are dropped for Bedrock",
    );
    assert.equal(tools[1].defer_loading, undefined);
    assert.deepEqual(
      seen.body.system,
      messagesBody().system,
      "system stays in block form with cache_control",
    );
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.provider, "bedrock-us");
    assert.equal(row.servedModel, BEDROCK_MODEL);
    assert.equal(row.inputTokens, 12);
    assert.equal(row.outputTokens, 34);
    assert.equal(row.costEstimated, false, "Bedrock ids find their price");
  });

  it("answers JSON, count_tokens and errors through Bedrock", async () => {
    const json = await send("claude-bedrock-opus");
    assert.equal(json.status, 200);
    assert.equal((await json.json()).content[0].text, "Hello from Bedrock.");
    const count = await send("claude-bedrock-opus", {}, "/v1/messages/count_tokens");
    assert.ok((await count.json()).input_tokens > 0);
    bedrock.queue.push({
      httpError: {
        status: 400,
        type: "ValidationException",
        message: "messages: text content blocks must be non-empty",
      },
    });
    const invalid = await send("claude-bedrock-opus");
    assert.equal(invalid.status, 400);
    const body = await invalid.json();
    assert.equal(body.error.type, "invalid_request_error");
    assert.equal(
      body.error.message,
      "messages: text content blocks must be non-empty",
      "the upstream's wording is kept",
    );
  });

  it("turns a Bedrock exception frame into an SSE error event", async () => {
    bedrock.queue.push({
      exception: { type: "modelStreamErrorException", message: "Model stream failed" },
    });
    const response = await send("claude-bedrock-opus", { stream: true });
    const text = await response.text();
    assert.match(
      text,
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"Model stream failed"\}/,
    );
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.errorType, "api_error");
  });

  it("streams from Vertex with a service-account token fetched once", async () => {
    await route("claude-vertex-*", [{
      provider: "vertex-eu",
      model: "claude-sonnet-4-5@20250929",
      weight: 1,
    }]);
    const first = await send("claude-vertex-sonnet", { stream: true });
    assert.match(await first.text(), /Vertex/);
    const second = await send("claude-vertex-sonnet");
    assert.equal((await second.json()).content[0].text, "Hello from Vertex.");
    const count = await send("claude-vertex-sonnet", {}, "/v1/messages/count_tokens");
    assert.equal((await count.json()).input_tokens, 42);
    assert.equal(vertex.tokensIssued.length, 1);
    const seen = vertex.requests.find((r) => r.path.endsWith(":streamRawPredict"))!;
    assert.match(seen.path, /\/models\/claude-sonnet-4-5(@|%40)20250929:streamRawPredict$/);
    assert.equal(seen.body.anthropic_version, "vertex-2023-10-16");
    assert.equal(
      seen.headers.get("anthropic-beta"),
      "context-1m-2025-08-07,interleaved-thinking-2025-05-14",
    );
    const row = (await gw.rows()).filter((r) => r.endpoint === "messages").at(-1)!;
    assert.equal(row.provider, "vertex-eu");
  });

  it("fails over without client-visible errors when the primary flaps", async () => {
    await route("claude-flaky", [
      { provider: "anthropic-main", weight: 1 },
      { provider: "bedrock-us", model: BEDROCK_MODEL, weight: 1 },
    ]);
    const before = (await gw.rows()).length;
    const overloaded = JSON.stringify({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    let statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      for (let i = 0; i < 10; i++) {
        if (i % 2 === 0) anthropic.queue.push({ error: { status: 529, body: overloaded } });
        else anthropic.queue.push({});
      }
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => send("claude-flaky", { stream: true })),
      );
      statuses = statuses.concat(responses.map((r) => r.status));
      await Promise.all(responses.map((r) => r.text()));
      // Let the primary's circuit close again between batches: this test is about failover.
      gw.gateway.breakers.success("anthropic-main|claude-flaky");
    }
    anthropic.queue.length = 0;
    assert.deepEqual(statuses.filter((s) => s !== 200), []);
    const rows = (await gw.rows()).slice(before);
    assert.equal(rows.length, 100);
    assert.ok(
      rows.some((r) => r.attempts === 2 && r.provider === "bedrock-us"),
      "failed-over requests record 2 attempts",
    );
    assert.ok(rows.some((r) => r.attempts === 1 && r.provider === "anthropic-main"));
  });

  it("opens the circuit of a dead target and goes straight to the secondary", async () => {
    await route("claude-deadly", [
      { provider: "dead", weight: 1 },
      { provider: "anthropic-main", weight: 1 },
    ]);
    const before = (await gw.rows()).length;
    for (let i = 0; i < 6; i++) {
      const response = await send("claude-deadly");
      assert.equal(response.status, 200);
      await response.text();
    }
    const rows = (await gw.rows()).slice(before);
    assert.deepEqual(rows.map((r) => r.attempts), [2, 2, 2, 1, 1, 1]);
    assert.equal(gw.gateway.breakers.state("dead|claude-deadly"), "open");
  });

  it("keeps a Claude Code session on one load-balanced target", async () => {
    await route("claude-balanced", [
      { provider: "anthropic-main", weight: 1 },
      { provider: "bedrock-us", model: BEDROCK_MODEL, weight: 1 },
    ], "loadbalance");
    const providersFor = async (session: string) => {
      for (let i = 0; i < 5; i++) {
        const response = await fetch(gw.url + "/v1/messages", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-api-key": key,
            "x-claude-code-session-id": session,
          },
          body: JSON.stringify(messagesBody({ model: "claude-balanced" })),
        });
        await response.text();
      }
      return new Set(
        (await gw.rows()).filter((r) => r.sessionId === session).map((r) => r.provider),
      );
    };
    const sessions = await Promise.all(
      ["s-1", "s-2", "s-3", "s-4", "s-5", "s-6"].map(providersFor),
    );
    for (const seen of sessions) {
      assert.equal(seen.size, 1, JSON.stringify(sessions.map((s) => [...s])));
    }
    assert.equal(
      new Set(sessions.map((s) => [...s][0])).size,
      2,
      "sessions spread over both targets",
    );
  });

  it("fails over when a target resets connections", async () => {
    // A TCP server that accepts and immediately closes: a reset before any response byte.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepting = (async () => {
      for await (const connection of listener) connection.close();
    })();
    try {
      await gw.addProvider(
        "resetter",
        "anthropic",
        `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
        "sk-x",
      );
      await route("claude-reset", [{ provider: "resetter", weight: 1 }, {
        provider: "anthropic-main",
        weight: 1,
      }]);
      const before = (await gw.rows()).length;
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => send("claude-reset", { stream: true })),
      );
      assert.deepEqual(responses.map((r) => r.status), Array(10).fill(200));
      await Promise.all(responses.map((r) => r.text()));
      const rows = (await gw.rows()).slice(before);
      assert.ok(rows.every((r) => r.provider === "anthropic-main" && r.status === 200));
      assert.ok(rows.some((r) => r.attempts === 2));
    } finally {
      listener.close();
      await accepting.catch(() => {});
    }
  });

  it("relays a Bedrock upstream's event stream byte for byte to a Bedrock-mode client", async () => {
    await route("claude-opus-4-1", [{ provider: "bedrock-us", model: BEDROCK_MODEL, weight: 1 }]);
    const before = bedrock.sentStreams.length;
    const response = await fetch(
      `${gw.url}/bedrock/model/${encodeURIComponent(BEDROCK_MODEL)}/invoke-with-response-stream`,
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({
          anthropic_version: "bedrock-2023-05-31",
          anthropic_beta: ["interleaved-thinking-2025-05-14"],
          max_tokens: 100,
          messages: [{ role: "user", content: "hi" }],
        }),
      },
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/vnd.amazon.eventstream");
    const received = new Uint8Array(await response.arrayBuffer());
    assert.deepEqual(received, bedrock.sentStreams[before]);
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.provider, "bedrock-us");
    assert.equal(row.inputTokens, 12, "usage is read from the untouched stream");
    assert.equal(row.outputTokens, 34);
    assert.deepEqual(bedrock.requests.at(-1)!.body.anthropic_beta, [
      "interleaved-thinking-2025-05-14",
    ]);
  });

  it("routes by a condition on the request's attribution", async () => {
    await route("claude-conditional-*", [{ provider: "anthropic-main", weight: 1 }]);
    await upsertRoute(gw.db, {
      modelGlob: "claude-conditional-*",
      team: "",
      condition: "env=prod",
      strategy: "fallback",
      targets: [{ provider: "bedrock-us", model: BEDROCK_MODEL, weight: 1 }],
    }, "test");
    await gw.gateway.refresh();
    for (const env of ["prod", "dev"]) {
      const response = await fetch(gw.url + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key, "x-gw-env": env },
        body: JSON.stringify(messagesBody({ model: "claude-conditional-x" })),
      });
      assert.equal(response.status, 200);
      await response.text();
    }
    const [prod, dev] = (await gw.rows()).slice(-2);
    assert.deepEqual([prod.env, prod.provider], ["prod", "bedrock-us"]);
    assert.deepEqual([dev.env, dev.provider], ["dev", "anthropic-main"]);
  });
});
