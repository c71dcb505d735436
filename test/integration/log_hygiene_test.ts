import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_USAGE, FakeAnthropic } from "../fakes/anthropic.ts";
import { type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { toBase64 } from "../../src/crypto/base64.ts";
import { MAX_TOKENS_PER_REQUEST } from "../../src/usage/usage.ts";

const SECRETS = /hunter2|sk-ant-api03/;
const API_KEY = "sk-ant-api03-AAAAbbbbCCCCddddEEEEffff";

/** Bodies a key holder might send by mistake: form data, a pasted key, cut or padded JSON. */
const MALFORMED = [
  "password=hunter2",
  `password=hunter2&api_key=${API_KEY}`,
  API_KEY,
  `{"model":"claude-opus-5-5","password":"hunter2","key":"${API_KEY}"`,
  `{"model":"claude-opus-5-5","messages":[]} password=hunter2 ${API_KEY}`,
  `{"password":hunter2,"key":"${API_KEY}"}`,
  `{"key":"${API_KEY}\\q","password":"hunter2"}`,
  `{"password":"hunter2\u0001","key":"${API_KEY}"}`,
];

describe("the request log keeps every row, bounded and free of request content", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let key: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw();
    await gw.addProvider("anthropic-main", "anthropic", fake.url, fake.apiKey);
    key = (await gw.createKey()).secret;
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const post = (body: BodyInit, path = "/v1/messages", headers: Record<string, string> = {}) =>
    fetch(gw.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body,
    });

  it("logs absurd upstream usage clamped and marked, and keeps logging after it", async () => {
    const absurd = { ...DEFAULT_USAGE, input_tokens: 1e308, output_tokens: -3 };
    fake.queue.push({ usage: absurd }, { usage: absurd });
    const streamed = await post(JSON.stringify(messagesBody({ stream: true })));
    assert.equal(streamed.status, 200);
    await streamed.text();
    const json = await post(JSON.stringify(messagesBody()));
    assert.equal(json.status, 200);
    await json.text();
    const normal = await post(JSON.stringify(messagesBody()));
    await normal.text();

    const rows = (await gw.rows()).slice(-3);
    assert.equal(rows.length, 3, "every row reached the database");
    for (const row of rows.slice(0, 2)) {
      assert.equal(row.status, 200);
      assert.equal(row.inputTokens, MAX_TOKENS_PER_REQUEST);
      assert.ok(Number.isFinite(row.costUsd) && row.costUsd > 0);
      assert.equal(row.costEstimated, true);
      assert.equal(row.errorType, "usage_clamped");
    }
    assert.equal(rows[1].outputTokens, 0);
    assert.equal(rows[2].errorType, null);
    assert.equal(gw.gateway.logWriter.stats.quarantined, 0);
    assert.equal(gw.gateway.logWriter.stats.failingSince, undefined);
  });

  it("refuses malformed bodies without quoting them, in the answer or the log", async () => {
    const before = (await gw.rows()).length;
    for (const body of MALFORMED) {
      const response = await post(body);
      assert.equal(response.status, 400, body);
      const answer = await response.json();
      assert.match(answer.error.message, /^Request body is not valid JSON: /);
      assert.doesNotMatch(answer.error.message, SECRETS);
    }
    // Bedrock's count-tokens carries a second JSON document inside, base64-encoded.
    const inner = toBase64(new TextEncoder().encode(`password=hunter2 ${API_KEY}`));
    const bedrock = await post(
      JSON.stringify({ input: { invokeModel: { body: inner } } }),
      "/bedrock/model/anthropic.claude-opus-5-5/count-tokens",
    );
    assert.equal(bedrock.status, 400);
    assert.doesNotMatch(await bedrock.text(), SECRETS);

    const rows = (await gw.rows()).slice(before);
    assert.equal(rows.length, MALFORMED.length + 1);
    for (const row of rows) {
      assert.equal(row.errorType, "invalid_request_error");
      assert.doesNotMatch(JSON.stringify(row), SECRETS);
    }
  });

  it("stores a 4 MB model name capped, in the row and in the request metrics", async () => {
    const model = "claude-" + "x".repeat(4 << 20);
    const response = await post(JSON.stringify(messagesBody({ model })));
    assert.equal(response.status, 200);
    await response.text();
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.requestedModel!.length, 200);
    assert.ok(row.requestedModel!.startsWith("claude-xxx"));
    assert.equal(row.servedModel!.length, 200, "the upstream's echo is capped too");
    const metrics = await fetch(gw.url + "/metrics", {
      headers: { authorization: "Bearer gwadm_test" },
    });
    // Series fed from the row carry its capped model. (`gw_circuit_open` keys circuits by the
    // routed target, model included, which the row does not bound.)
    const series = (await metrics.text()).split("\n").filter((line) =>
      /^gw_(requests|tokens|cost_usd)_total|^gw_request_duration_ms/.test(line)
    );
    assert.ok(series.some((line) => line.includes('model="claude-xxx')));
    assert.ok(series.every((line) => line.length < 1000));
  });

  it("repeats client text in refusals at most 64 characters long", async () => {
    const path = "/v1/" + "p".repeat(10_000);
    const notFound = await fetch(gw.url + path);
    assert.equal(notFound.status, 404);
    const message: string = (await notFound.json()).error.message;
    assert.ok(message.length < 100, message);

    const limited = (await gw.createKey({ models: ["claude-opus-*"] })).secret;
    const refused = await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": limited },
      body: JSON.stringify(messagesBody({ model: "m".repeat(100_000) })),
    });
    assert.equal(refused.status, 403);
    const refusal: string = (await refused.json()).error.message;
    assert.ok(!refusal.includes("m".repeat(65)), refusal.slice(0, 200));
  });
});
