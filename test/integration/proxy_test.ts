import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_USAGE, FakeAnthropic } from "../fakes/anthropic.ts";
import { eventually, type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { PriceTable } from "../../src/usage/cost.ts";
import { mergeUsage, ZERO_USAGE } from "../../src/usage/usage.ts";
import { ADMIN_PATHS } from "../../src/server/admin_routes.ts";

describe("Anthropic pass-through", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let key: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw();
    await gw.addProvider("anthropic-main", "anthropic", fake.url, fake.apiKey);
    key = (await gw.createKey({
      team: "payments",
      department: "finance",
      user: "alice",
      project: "checkout",
    })).secret;
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const post = (
    body: unknown,
    headers: Record<string, string> = {},
    path = "/v1/messages?beta=true",
  ) =>
    fetch(gw.url + path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,brand-new-beta-2027-01-01",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("streams the upstream's bytes unchanged and logs usage and cost", async () => {
    const before = fake.sentStreams.length;
    const response = await post(messagesBody({ stream: true }), {
      "x-gw-project": "mobile",
      "x-gw-tag-ticket": "PAY-42",
      "x-claude-code-session-id": "sess-1",
      "x-claude-code-agent-id": "agent-7",
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /text\/event-stream/);
    const received = new Uint8Array(await response.arrayBuffer());
    assert.deepEqual(received, fake.sentStreams[before]);

    const row = await eventually(async () => {
      const rows = await gw.rows();
      const last = rows.at(-1)!;
      assert.equal(last.sessionId, "sess-1");
      return last;
    });
    assert.equal(row.status, 200);
    assert.equal(row.team, "payments");
    assert.equal(row.department, "finance");
    assert.equal(row.user, "alice");
    assert.equal(row.project, "checkout", "the key's project, not the header's");
    assert.deepEqual(row.tags, { ticket: "PAY-42" });
    assert.equal(row.agentId, "agent-7");
    assert.equal(row.provider, "anthropic-main");
    assert.equal(row.stream, true);
    assert.equal(row.inputTokens, DEFAULT_USAGE.input_tokens);
    assert.equal(row.outputTokens, DEFAULT_USAGE.output_tokens);
    assert.equal(row.cacheWrite5mTokens, 1000);
    assert.equal(row.cacheWrite1hTokens, 500);
    assert.equal(row.cacheReadTokens, 20000);
    const expected = new PriceTable().cost(
      "claude-opus-5-5",
      mergeUsage(ZERO_USAGE, DEFAULT_USAGE),
    );
    assert.equal(row.costUsd, expected.usd);
    assert.equal(row.costEstimated, false);
    assert.ok(row.ttfbMs !== null && row.latencyMs !== null);
  });

  it("forwards headers and body as open lists, never the gw key", async () => {
    const body = JSON.stringify(messagesBody());
    const response = await post(body, {
      "anthropic-dangerous-new-header": "yes",
      "x-api-key": key,
    });
    assert.equal(response.status, 200);
    await response.json();
    const seen = fake.messageRequests().at(-1)!;
    assert.equal(seen.body, body, "the body reaches the upstream byte for byte");
    assert.equal(seen.search, "?beta=true");
    assert.equal(
      seen.headers.get("anthropic-beta"),
      "claude-code-20250219,brand-new-beta-2027-01-01",
    );
    assert.equal(seen.headers.get("anthropic-version"), "2023-06-01");
    assert.equal(seen.headers.get("anthropic-dangerous-new-header"), "yes");
    assert.equal(seen.headers.get("x-api-key"), fake.apiKey);
    assert.equal(seen.headers.get("authorization"), null);
    assert.equal(seen.headers.get("x-gw-project"), null);
    for (const [, value] of seen.headers) assert.ok(!value.includes(key), "gw key leaked upstream");
  });

  it("reads usage from JSON responses", async () => {
    fake.queue.push({ usage: { input_tokens: 100, output_tokens: 50 } });
    const response = await post(messagesBody({ model: "claude-sonnet-5-5" }));
    const message = await response.json();
    assert.equal(message.type, "message");
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.inputTokens, 100);
    assert.equal(row.outputTokens, 50);
    assert.equal(row.costUsd, (100 * 2 + 50 * 10) / 1e6);
  });

  it("bills an unknown model at the fallback rate and marks it estimated", async () => {
    fake.queue.push({ usage: { input_tokens: 1_000_000, output_tokens: 0 } });
    const response = await post(messagesBody({ model: "claude-brand-new-9" }));
    assert.equal(response.status, 200);
    await response.body?.cancel();
    const row = await eventually(async () => {
      const last = (await gw.rows()).at(-1)!;
      assert.equal(last.requestedModel, "claude-brand-new-9");
      return last;
    });
    assert.equal(row.costUsd, 5);
    assert.equal(row.costEstimated, true);
  });

  it("passes upstream errors through with status and body unmodified", async () => {
    const upstreamBody = JSON.stringify({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "Unexpected value(s) `x` for the `anthropic-beta` header",
      },
      request_id: "req_up_1",
    });
    fake.queue.push({ error: { status: 400, body: upstreamBody } });
    const response = await post(messagesBody());
    assert.equal(response.status, 400);
    assert.equal(await response.text(), upstreamBody);
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.status, 400);
    assert.equal(row.errorType, "invalid_request_error");
  });

  it("does not bill count_tokens", async () => {
    const response = await post(messagesBody(), {}, "/v1/messages/count_tokens");
    assert.equal(response.status, 200);
    assert.ok((await response.json()).input_tokens > 0);
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.endpoint, "count_tokens");
    assert.equal(row.costUsd, 0);
  });

  it("turns a connection lost mid-stream into an SSE error event and logs it", async () => {
    fake.queue.push({ dropAfterEvents: 5 });
    const response = await post(messagesBody({ stream: true }));
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /event: message_start/);
    assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    const row = await eventually(async () => {
      const last = (await gw.rows()).at(-1)!;
      assert.equal(last.errorType, "api_error");
      return last;
    });
    assert.equal(
      row.inputTokens,
      DEFAULT_USAGE.input_tokens,
      "usage seen before the failure is kept",
    );
  });

  it("aborts the upstream when the client goes away and bills what was streamed", async () => {
    fake.queue.push({ hangAfterEvents: 6, text: "word ".repeat(40) });
    const controller = new AbortController();
    const response = await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify(messagesBody({ stream: true })),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    const upstream = fake.messageRequests().at(-1)!;
    await eventually(() => assert.equal(upstream.aborted, true));
    const row = await eventually(async () => {
      const last = (await gw.rows()).at(-1)!;
      assert.equal(last.clientAborted, true);
      return last;
    });
    assert.equal(row.status, 499);
    assert.equal(row.inputTokens, DEFAULT_USAGE.input_tokens);
    assert.ok(row.costUsd > 0);
  });

  it("answers Claude Code's startup probe and lists models", async () => {
    const hello = await fetch(gw.url + "/api/hello", { method: "HEAD" });
    assert.equal(hello.status, 200);
    const models = await fetch(gw.url + "/v1/models?limit=1000", { headers: { "x-api-key": key } });
    assert.equal(models.status, 200);
    const list = await models.json();
    assert.ok(list.data.some((m: { id: string }) => m.id === "claude-opus-5-5"));
    assert.equal(list.has_more, false);
  });

  it("serves Prometheus metrics to the admin token only", async () => {
    const anonymous = await fetch(gw.url + "/metrics");
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const withGwKey = await fetch(gw.url + "/metrics", {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(withGwKey.status, 401, "a gw key is not an admin token");
    await withGwKey.body?.cancel();
    const response = await fetch(gw.url + "/metrics", {
      headers: { authorization: "Bearer gwadm_test" },
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(
      text,
      /gw_requests_total\{team="payments",provider="anthropic-main",model="claude-opus-5-5",endpoint="messages",status="200",error_type=""\} \d+/,
    );
    assert.match(
      text,
      /gw_cost_usd_total\{team="payments",provider="anthropic-main",model="claude-opus-5-5"\} [\d.]+/,
    );
    assert.match(text, /gw_tokens_total\{[^}]*kind="cache_read"\} \d+/);
    assert.match(
      text,
      /gw_request_duration_ms_bucket\{provider="anthropic-main",model="claude-opus-5-5",le="\+Inf"\} \d+/,
    );
    assert.match(text, /gw_log_queue_depth \d+/);
  });

  it("serves the admin API to the admin token only", async () => {
    for (const path of ADMIN_PATHS) {
      const attempts: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }, {
        authorization: `Bearer ${key}`,
      }, { "x-api-key": "gwadm_test" }];
      for (const headers of attempts) {
        const response = await fetch(`${gw.url}/admin${path}`, { headers });
        assert.equal(response.status, 401, `${path} with ${JSON.stringify(headers)}`);
        assert.equal((await response.json()).error.type, "authentication_error");
      }
      const ok = await fetch(`${gw.url}/admin${path}`, {
        headers: { authorization: "Bearer gwadm_test" },
      });
      assert.equal(ok.status, 200, path);
      const text = await ok.text();
      assert.ok(!text.includes(fake.apiKey) && !text.includes(key), `${path} leaks no secret`);
    }
    const audit = await (await fetch(`${gw.url}/admin/audit`, {
      headers: { authorization: "Bearer gwadm_test" },
    })).json();
    assert.ok(audit.some((entry: { action: string }) => entry.action === "provider.add"));
    assert.ok(audit.some((entry: { action: string }) => entry.action === "key.create"));
    const usage = await (await fetch(`${gw.url}/admin/usage?by=team,model&since=1d`, {
      headers: { authorization: "Bearer gwadm_test" },
    })).json();
    assert.ok(
      usage.some((row: { group: { team: string }; costUsd: number }) =>
        row.group.team === "payments" && row.costUsd > 0
      ),
    );
  });
});
