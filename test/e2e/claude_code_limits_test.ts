/** The real Claude Code CLI meeting gw's budgets and rate limits. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { type Harness, startGw } from "../helpers/gw_harness.ts";
import { runClaude, runGw } from "../helpers/claude_code.ts";

describe("Claude Code against budgets and rate limits", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let gwEnv: Record<string, string>;

  before(async () => {
    fake = new FakeAnthropic().start();
    fake.fallback = { usage: { input_tokens: 1000, output_tokens: 1000 }, text: "done" };
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    gwEnv = { GW_DB_URL: `file:${gw.dir}/gw.db`, GW_MASTER_KEY: gw.masterKey };
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  it("shows the budget message once and sends nothing upstream when the team budget is spent", async () => {
    const { secret } = await gw.createKey({ team: "exhausted", user: "carol" });
    const set = await runGw([
      "budgets",
      "set",
      "--team",
      "exhausted",
      "--period",
      "month",
      "--usd",
      "0.01",
    ], gwEnv);
    assert.equal(set.code, 0, set.stderr);
    await gw.gateway.refresh();
    const first = await runClaude("spend it", {
      ANTHROPIC_BASE_URL: gw.url,
      ANTHROPIC_AUTH_TOKEN: secret,
    });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    await gw.gateway.logWriter.flush();
    await gw.gateway.budgets.refreshSpend();
    const before = fake.messageRequests().length;
    const refused = await runClaude("more please", {
      ANTHROPIC_BASE_URL: gw.url,
      ANTHROPIC_AUTH_TOKEN: secret,
    });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stdout + refused.stderr,
      /Request rejected \(429\) · Budget exhausted for team exhausted: spent \$0\.\d\d of \$0\.01 this month; resets/,
    );
    assert.equal(fake.messageRequests().length, before, "no request reached the upstream");
    const listed = await runGw(["budgets", "list", "--json"], gwEnv);
    const standing = JSON.parse(listed.stdout).find((b: { value: string }) =>
      b.value === "exhausted"
    );
    assert.ok(standing.percent >= 100);
  });

  it("backs off on a rate limit of 2 per minute and completes 4 prompts", async () => {
    const { secret, record } = await gw.createKey({ team: "limited", user: "dave" });
    const set = await runGw(["limits", "set", "--key", record.id, "--rpm", "2"], gwEnv);
    assert.equal(set.code, 0, set.stderr);
    await gw.gateway.refresh();
    const runs = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        runClaude(`prompt ${i}`, { ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: secret })
      ),
    );
    for (const run of runs) assert.equal(run.code, 0, run.stdout + run.stderr);
    const rows = (await gw.rows()).filter((r) => r.keyId === record.id);
    assert.ok(rows.some((r) => r.status === 429 && r.errorType === "rate_limit_error"));
    assert.equal(rows.filter((r) => r.status === 200).length, 4);
  });
});
