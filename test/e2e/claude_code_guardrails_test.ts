/** The real Claude Code CLI with a prompt holding a secret: the upstream sees it redacted. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { type Harness, startGw } from "../helpers/gw_harness.ts";
import { runClaude, runGw } from "../helpers/claude_code.ts";

const SECRET = "9fKq2LmZ8xR4vT7wY1bN3cD6eH0jP5sU2aQ8gXzW";

describe("Claude Code with guardrails", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let key: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    fake.fallback = { text: "Noted." };
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    key = (await gw.createKey({ team: "payments" })).secret;
    const env = { GW_DB_URL: `file:${gw.dir}/gw.db`, GW_MASTER_KEY: gw.masterKey };
    for (
      const args of [["guardrails", "set", "org-default", "--defaults"], [
        "guardrails",
        "assign",
        "org-default",
        "--org",
      ]]
    ) {
      const result = await runGw(args, env);
      assert.equal(result.code, 0, result.stderr);
    }
    await gw.gateway.refresh();
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  it("redacts a fake AWS secret on the way up and Claude Code still completes", async () => {
    const run = await runClaude(`Why does this fail? aws_secret_access_key = ${SECRET}`, {
      ANTHROPIC_BASE_URL: gw.url,
      ANTHROPIC_AUTH_TOKEN: key,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.json?.result, "Noted.");
    const sent = fake.messageRequests().at(-1)!.body;
    assert.ok(!sent.includes(SECRET));
    assert.match(sent, /\[REDACTED:aws_secret:[0-9a-f]{4}\]/);
    const body = JSON.parse(sent);
    assert.ok(Array.isArray(body.system) && body.system.length >= 2, "system blocks intact");
    const row = (await gw.rows()).at(-1)!;
    assert.equal(row.guardrails?.aws_secret, 1);
  });
});
