/** The real Claude Code CLI, in its default (Anthropic API) mode, served by Bedrock and Vertex. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeBedrock } from "../fakes/bedrock.ts";
import { FakeVertex, makeServiceAccount } from "../fakes/vertex.ts";
import { type Harness, startGw } from "../helpers/gw_harness.ts";
import { runClaude, runGw } from "../helpers/claude_code.ts";

describe("Claude Code routed to Bedrock and Vertex", () => {
  let gw: Harness;
  let bedrock: FakeBedrock;
  let vertex: FakeVertex;
  let key: string;
  let gwEnv: Record<string, string>;

  before(async () => {
    bedrock = new FakeBedrock().start();
    vertex = new FakeVertex().start();
    const account = await makeServiceAccount(vertex.tokenUrl);
    vertex.publicKey = account.publicKey;
    gw = await startGw();
    gwEnv = {
      GW_DB_URL: `file:${gw.dir}/gw.db`,
      GW_MASTER_KEY: gw.masterKey,
      AWS_KEY_ID: bedrock.accessKeyId,
      AWS_SECRET: bedrock.secretAccessKey,
    };
    const credentials = `${gw.dir}/sa.json`;
    await Deno.writeTextFile(credentials, account.json);
    for (
      const args of [
        [
          "providers",
          "add",
          "bedrock",
          "--name",
          "bedrock-us",
          "--region",
          "us-east-1",
          "--base-url",
          bedrock.url,
          "--access-key-id-env",
          "AWS_KEY_ID",
          "--secret-access-key-env",
          "AWS_SECRET",
        ],
        [
          "providers",
          "add",
          "vertex",
          "--name",
          "vertex-us",
          "--project",
          "test-project",
          "--region",
          "us-east5",
          "--base-url",
          vertex.url,
          "--credentials-file",
          credentials,
        ],
        ["routes", "set", "claude-opus-*", "--targets", "bedrock-us:us.anthropic.claude-opus-5-5"],
        ["routes", "set", "claude-sonnet-*", "--targets", "vertex-us:claude-sonnet-5-5"],
      ]
    ) {
      const result = await runGw(args, gwEnv);
      assert.equal(result.code, 0, result.stderr);
    }
    key = (await gw.createKey({ team: "platform" })).secret;
    await gw.gateway.refresh();
  });
  after(async () => {
    await gw.stop();
    await Promise.all([bedrock.stop(), vertex.stop()]);
  });

  for (
    const [model, provider, text] of [["opus", "bedrock-us", "Hello from Bedrock streaming."], [
      "sonnet",
      "vertex-us",
      "Hello from Vertex streaming.",
    ]]
  ) {
    it(`completes a prompt through ${provider}`, async () => {
      const run = await runClaude("hello", {
        ANTHROPIC_BASE_URL: gw.url,
        ANTHROPIC_AUTH_TOKEN: key,
      }, ["--model", model]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.json?.result, text);
      const row = (await gw.rows()).filter((r) => r.endpoint === "messages").at(-1)!;
      assert.equal(row.provider, provider);
      assert.equal(row.status, 200);
      assert.ok(row.outputTokens > 0);
      assert.ok(row.costUsd > 0);
    });
  }

  it("gw providers test reports latency through a provider", async () => {
    const result = await runGw([
      "providers",
      "test",
      "bedrock-us",
      "--model",
      "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      "--json",
    ], gwEnv);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).ok, true);
    assert.equal(bedrock.requests.at(-1)!.signatureValid, true);
  });

  it("gw doctor checks the database, master key, providers and clock", async () => {
    const result = await runGw(["doctor", "--json"], gwEnv);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const checks = JSON.parse(result.stdout) as { check: string; ok: boolean; detail: string }[];
    assert.deepEqual(checks.map((c) => c.check).slice(0, 2), ["database", "master key"]);
    assert.ok(
      checks.some((c) => c.check === "provider bedrock-us" && c.ok && /answered/.test(c.detail)),
    );
    assert.ok(checks.some((c) => c.check === "provider vertex-us" && c.ok));
    assert.ok(checks.some((c) => c.check === "clock" && c.ok), JSON.stringify(checks));
    const broken = await runGw(["doctor"], { ...gwEnv, GW_MASTER_KEY: btoa("x".repeat(32)) });
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /master key differs/);
  });
});
