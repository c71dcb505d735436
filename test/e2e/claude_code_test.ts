/**
 * The real Claude Code CLI through gw to a fake Anthropic upstream: setup through the gw CLI,
 * prompts, attribution, cost as Claude Code itself computes it, and revocation.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic, type FakeUsage } from "../fakes/anthropic.ts";
import { eventually, type Harness, startGw } from "../helpers/gw_harness.ts";
import { runClaude, runGw } from "../helpers/claude_code.ts";

describe("Claude Code through gw", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let key: string;
  let keyId: string;
  let gwEnv: Record<string, string>;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw();
    gwEnv = {
      GW_DB_URL: `file:${gw.dir}/gw.db`,
      GW_MASTER_KEY: gw.masterKey,
      PROVIDER_KEY: fake.apiKey,
    };
    const steps = [
      [
        "providers",
        "add",
        "anthropic",
        "--name",
        "anthropic-main",
        "--base-url",
        fake.url,
        "--api-key-env",
        "PROVIDER_KEY",
      ],
      ["teams", "create", "finance"],
      ["teams", "create", "payments", "--parent", "finance"],
    ];
    for (const args of steps) {
      const result = await runGw(args, gwEnv);
      assert.equal(result.code, 0, result.stderr);
    }
    const created = await runGw([
      "keys",
      "create",
      "--team",
      "payments",
      "--user",
      "alice",
      "--json",
    ], gwEnv);
    assert.equal(created.code, 0, created.stderr);
    const parsed = JSON.parse(created.stdout);
    key = parsed.key;
    keyId = parsed.id;
    await eventually(() => assert.equal(gw.gateway.providers.providers.length, 1));
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const env = () => ({
    ANTHROPIC_BASE_URL: gw.url,
    ANTHROPIC_AUTH_TOKEN: key,
    ANTHROPIC_CUSTOM_HEADERS: "x-gw-project: checkout\nx-gw-tag-ticket: PAY-7",
  });

  it("completes a prompt, logs one row per upstream call, and tags it", async () => {
    fake.fallback = { text: "The answer is 42." };
    const before = fake.messageRequests().length;
    const run = await runClaude("What is the answer?", env());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.json?.result, "The answer is 42.");
    const calls = fake.messageRequests().slice(before);
    assert.ok(calls.length >= 1);
    const rows = await eventually(async () => {
      const all = (await gw.rows()).filter((r) => r.endpoint === "messages" && r.status === 200);
      assert.equal(all.length, before + calls.length);
      return all.slice(before);
    });
    for (const row of rows) {
      assert.equal(row.team, "payments");
      assert.equal(row.department, "finance");
      assert.equal(row.user, "alice");
      assert.equal(row.keyId, keyId);
      assert.equal(row.project, "checkout");
      assert.deepEqual(row.tags, { ticket: "PAY-7" });
      assert.ok(row.sessionId, "Claude Code's session id is recorded");
      assert.equal(row.inputTokens, 12);
      assert.equal(row.outputTokens, 34);
      assert.equal(row.cacheReadTokens, 20000);
    }
    const total = rows.reduce((sum, row) => sum + row.costUsd, 0);
    assert.ok(
      Math.abs(total - run.json!.total_cost_usd!) < 1e-9,
      `gw ${total} vs Claude Code ${run.json!.total_cost_usd}`,
    );
    const body = JSON.parse(calls[0].body);
    assert.ok(Array.isArray(body.system), "system stays in block form");
    assert.equal(calls[0].headers.get("authorization"), null);
  });

  const pricingCases: { model: string; alias: string; usage: FakeUsage }[] = [
    {
      model: "claude-opus-5-5",
      alias: "opus",
      usage: {
        input_tokens: 3000,
        output_tokens: 5000,
        cache_creation_input_tokens: 7000,
        cache_read_input_tokens: 90000,
        cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 3000 },
      },
    },
    {
      model: "claude-sonnet-5-5",
      alias: "sonnet",
      usage: {
        input_tokens: 3000,
        output_tokens: 5000,
        cache_creation_input_tokens: 7000,
        cache_read_input_tokens: 90000,
        cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 3000 },
      },
    },
    {
      model: "claude-haiku-5-5",
      alias: "haiku",
      usage: {
        input_tokens: 3000,
        output_tokens: 5000,
        cache_creation_input_tokens: 7000,
        cache_read_input_tokens: 80000,
        cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 3000 },
      },
    },
    {
      model: "claude-haiku-5-5",
      alias: "haiku",
      usage: {
        input_tokens: 3000,
        output_tokens: 5000,
        cache_creation_input_tokens: 7000,
        cache_read_input_tokens: 95000,
        cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 3000 },
      },
    },
  ];
  for (const { model, alias, usage } of pricingCases) {
    it(`charges what Claude Code reports for ${model} (${usage.cache_read_input_tokens} cached)`, async () => {
      fake.fallback = { usage, text: "ok" };
      const run = await runClaude("price check", env(), ["--model", alias]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const rows = await eventually(async () => {
        const all = (await gw.rows()).filter((r) => r.requestedModel === model);
        assert.ok(all.length > 0);
        return all;
      });
      const row = rows.at(-1)!;
      assert.ok(
        Math.abs(row.costUsd - run.json!.total_cost_usd!) < 1e-9,
        `${model}: gw ${row.costUsd} vs Claude Code ${run.json!.total_cost_usd}`,
      );
    });
  }

  it("shows gw's message and stops calling upstream once the key is revoked", async () => {
    const revoked = await runGw(["keys", "revoke", keyId], gwEnv);
    assert.equal(revoked.code, 0, revoked.stderr);
    await eventually(async () => {
      const response = await fetch(gw.url + "/v1/models", {
        headers: { authorization: `Bearer ${key}` },
      });
      await response.body?.cancel();
      assert.equal(response.status, 401);
    });
    const before = fake.messageRequests().length;
    const run = await runClaude("Still there?", env());
    assert.notEqual(run.code, 0);
    assert.match(run.stdout + run.stderr, /was revoked on/);
    assert.equal(fake.messageRequests().length, before, "no request reached the upstream");
  });
});
