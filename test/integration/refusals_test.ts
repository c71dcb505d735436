import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import {
  closedPort,
  eventually,
  type Harness,
  messagesBody,
  startGw,
} from "../helpers/gw_harness.ts";
import { revokeKey } from "../../src/db/repos/keys_repo.ts";

async function expectError(response: Response, status: number, type: string, message?: RegExp) {
  assert.equal(response.status, status);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  const body = await response.json();
  assert.equal(body.type, "error");
  assert.equal(body.error.type, type);
  assert.equal(typeof body.request_id, "string");
  if (message) assert.match(body.error.message, message);
  return body;
}

describe("refusals", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let key: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw({ maxBodyBytes: 64 * 1024 });
    await gw.addProvider("anthropic-main", "anthropic", fake.url, fake.apiKey);
    key = (await gw.createKey()).secret;
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body,
    });
  const valid = JSON.stringify(messagesBody());

  it("refuses a missing, foreign or unknown key with 401 and no retry", async () => {
    const missing = await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: valid,
    });
    await expectError(missing, 401, "authentication_error", /Missing gw key/);
    assert.equal(missing.headers.get("x-should-retry"), "false");
    await expectError(
      await post(valid, { "x-api-key": "sk-ant-api03-xyz" }),
      401,
      "authentication_error",
      /not a gw key/,
    );
    const unknown = "gw_" + "A".repeat(40);
    const body = await expectError(
      await post(valid, { "x-api-key": unknown }),
      401,
      "authentication_error",
      /Unknown gw key gw_AAAAAAAA…/,
    );
    assert.ok(!body.error.message.includes(unknown), "the full key is never echoed");
  });

  it("refuses a revoked key on the next request", async () => {
    const { secret, record } = await gw.createKey({ user: "bob" });
    assert.equal((await post(valid, { "x-api-key": secret })).status, 200);
    await revokeKey(gw.db, record, "test");
    // Another process revoked it: the revision poll must notice within the refresh interval.
    await eventually(async () => {
      await expectError(
        await post(valid, { "x-api-key": secret }),
        401,
        "authentication_error",
        /revoked/,
      );
    });
  });

  it("refuses an expired key", async () => {
    const { secret } = await gw.createKey({ expiresAt: Date.now() - 1000 });
    await expectError(
      await post(valid, { "x-api-key": secret }),
      401,
      "authentication_error",
      /expired/,
    );
  });

  it("refuses a model outside the key's globs with 403", async () => {
    const { secret } = await gw.createKey({ models: ["claude-haiku-*"] });
    const response = await post(valid, { "x-api-key": secret });
    await expectError(
      response,
      403,
      "permission_error",
      /may not use model claude-opus-5-5; allowed: claude-haiku-\*/,
    );
    assert.equal(response.headers.get("x-should-retry"), "false");
    assert.equal(
      (await post(JSON.stringify(messagesBody({ model: "claude-haiku-5-5" })), {
        "x-api-key": secret,
      })).status,
      200,
    );
  });

  it("answers malformed bodies with clear 4xx errors", async () => {
    await expectError(await post("{not json"), 400, "invalid_request_error", /not valid JSON/);
    await expectError(await post("[1,2]"), 400, "invalid_request_error", /JSON object/);
    await expectError(
      await post(JSON.stringify({ messages: [] })),
      400,
      "invalid_request_error",
      /model/,
    );
    await expectError(
      await post(JSON.stringify({ model: "claude-opus-5-5" })),
      400,
      "invalid_request_error",
      /messages/,
    );
    await expectError(
      await post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
      400,
      "invalid_request_error",
      /UTF-8|JSON/,
    );
    await expectError(
      await post(valid, { "content-type": "text/plain" }),
      415,
      "invalid_request_error",
      /content-type/,
    );
    await expectError(await post("x".repeat(70 * 1024)), 413, "request_too_large");
    const wrongMethod = await fetch(gw.url + "/v1/messages", { headers: { "x-api-key": key } });
    await expectError(wrongMethod, 405, "invalid_request_error");
    await expectError(await fetch(gw.url + "/v2/nothing"), 404, "not_found_error");
  });

  it("answers a dead provider with a clean 502 and logs it", async () => {
    const deadGw = await startGw();
    try {
      const { secret } = await deadGw.createKey();
      const noProvider = await fetch(deadGw.url + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": secret },
        body: valid,
      });
      await expectError(noProvider, 503, "api_error", /no provider configured/);
      await deadGw.addProvider("dead", "anthropic", `http://127.0.0.1:${closedPort()}`, "sk-x");
      const dead = await fetch(deadGw.url + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": secret },
        body: valid,
      });
      await expectError(dead, 502, "api_error", /Provider dead is unreachable: connection refused/);
      const rows = await deadGw.rows();
      assert.deepEqual(rows.map((r) => r.status), [503, 502]);
    } finally {
      await deadGw.stop();
    }
  });

  it("logs every refusal of a usable key and only counts the others", async () => {
    const rows = await gw.rows();
    assert.ok(!rows.some((r) => r.status === 401), "no row without a usable key");
    assert.ok(gw.gateway.metrics.authRefusals.totals().unknown > 0);
    assert.ok(rows.some((r) => r.status === 403 && r.errorType === "permission_error"));
    assert.ok(rows.some((r) => r.status === 413));
    assert.ok(rows.every((r) => r.status < 500));
  });

  it("turns a 200 with an HTML body into a clean 502 and garbage SSE into a logged stream", async () => {
    fake.queue.push({
      raw: { contentType: "text/html", body: "<html><body>502 Bad Gateway</body></html>" },
    });
    await expectError(
      await post(valid),
      502,
      "api_error",
      /answered HTTP 200 with text\/html instead of Anthropic JSON or SSE/,
    );
    fake.queue.push({
      raw: {
        contentType: "text/event-stream",
        body: "data: {not json\n\nevent: message_start\ndata: [1,2\n\n\u0000\u0001garbage",
      },
    });
    const garbage = await post(JSON.stringify(messagesBody({ stream: true })));
    assert.equal(garbage.status, 200);
    await garbage.text();
    const rows = await gw.rows();
    assert.equal(rows.at(-2)!.status, 502);
    assert.equal(rows.at(-1)!.inputTokens, 0, "unparseable usage counts as none, without a crash");
    const health = await fetch(gw.url + "/healthz");
    assert.equal(health.status, 200);
    await health.body?.cancel();
  });

  it("keeps serving while the database is locked, then writes every row", async () => {
    // Another process's long write transaction, held open.
    const { createClient } = await import("@libsql/client");
    const locker = createClient({ url: `file:${gw.dir}/gw.db` });
    const tx = await locker.transaction("write");
    await tx.execute("INSERT INTO audit_log (ts, actor, action) VALUES (0, 'test', 'lock')");
    const before = gw.gateway.logWriter.stats.written;
    try {
      for (let i = 0; i < 5; i++) {
        const response = await post(valid);
        assert.equal(response.status, 200, "requests flow while the log cannot be written");
        await response.text();
      }
      assert.equal(gw.gateway.logWriter.stats.written, before);
    } finally {
      await tx.rollback();
      locker.close();
    }
    await eventually(() => assert.ok(gw.gateway.logWriter.stats.written >= before + 5), 15_000);
  });
});
