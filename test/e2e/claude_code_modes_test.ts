/**
 * The real Claude Code CLI in each of its three client modes — direct (Anthropic API), Bedrock
 * and Vertex — through gw, each routed to each provider kind (fakes).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { FakeBedrock } from "../fakes/bedrock.ts";
import { FakeVertex, makeServiceAccount } from "../fakes/vertex.ts";
import { type Harness, startGw } from "../helpers/gw_harness.ts";
import { runClaude } from "../helpers/claude_code.ts";
import { upsertRoute } from "../../src/db/repos/routes_repo.ts";
import type { RouteTarget } from "../../src/routing/route.ts";

describe("Claude Code modes × provider kinds", () => {
  let gw: Harness;
  let anthropic: FakeAnthropic;
  let bedrock: FakeBedrock;
  let vertex: FakeVertex;
  let key: string;

  before(async () => {
    anthropic = new FakeAnthropic().start();
    anthropic.fallback = { text: "Hello from Anthropic." };
    bedrock = new FakeBedrock().start();
    vertex = new FakeVertex().start();
    const account = await makeServiceAccount(vertex.tokenUrl);
    vertex.publicKey = account.publicKey;
    gw = await startGw();
    await gw.addProvider("anthropic-main", "anthropic", anthropic.url, anthropic.apiKey);
    await gw.addProvider(
      "bedrock-us",
      "bedrock",
      bedrock.url,
      JSON.stringify({
        accessKeyId: bedrock.accessKeyId,
        secretAccessKey: bedrock.secretAccessKey,
      }),
      { region: "us-east-1" },
    );
    await gw.addProvider("vertex-us", "vertex", vertex.url, account.json, {
      project: "test-project",
      region: "us-east5",
    });
    key = (await gw.createKey({ team: "platform" })).secret;
  });
  after(async () => {
    await gw.stop();
    await Promise.all([anthropic.stop(), bedrock.stop(), vertex.stop()]);
  });

  const modes: Record<string, () => Record<string, string>> = {
    direct: () => ({ ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_AUTH_TOKEN: key }),
    bedrock: () => ({
      CLAUDE_CODE_USE_BEDROCK: "1",
      ANTHROPIC_BEDROCK_BASE_URL: `${gw.url}/bedrock`,
      AWS_BEARER_TOKEN_BEDROCK: key,
      AWS_REGION: "us-east-1",
    }),
    vertex: () => ({
      CLAUDE_CODE_USE_VERTEX: "1",
      ANTHROPIC_VERTEX_BASE_URL: `${gw.url}/vertex/v1`,
      CLAUDE_CODE_SKIP_VERTEX_AUTH: "1",
      ANTHROPIC_VERTEX_PROJECT_ID: "developer-project",
      CLOUD_ML_REGION: "us-east5",
      ANTHROPIC_CUSTOM_HEADERS: `x-api-key: ${key}`,
    }),
  };
  const providers: Record<string, { target: RouteTarget; text: string }> = {
    "anthropic-main": {
      target: { provider: "anthropic-main", weight: 1 },
      text: "Hello from Anthropic.",
    },
    "bedrock-us": {
      target: { provider: "bedrock-us", model: "us.anthropic.claude-opus-5-5", weight: 1 },
      text: "Hello from Bedrock streaming.",
    },
    "vertex-us": {
      target: { provider: "vertex-us", model: "claude-opus-5-5", weight: 1 },
      text: "Hello from Vertex streaming.",
    },
  };

  for (const [mode, env] of Object.entries(modes)) {
    for (const [name, { target, text }] of Object.entries(providers)) {
      it(`${mode} mode, served by ${name}`, async () => {
        await upsertRoute(gw.db, {
          modelGlob: "*opus*",
          team: "",
          condition: "",
          strategy: "fallback",
          targets: [target],
        }, "test");
        await gw.gateway.refresh();
        const before = (await gw.rows()).length;
        const run = await runClaude("hello", env());
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.equal(run.json?.result, text);
        const rows = (await gw.rows()).slice(before).filter((r) =>
          r.endpoint === "messages" && r.status === 200
        );
        assert.ok(rows.length >= 1);
        const row = rows.at(-1)!;
        assert.equal(row.provider, name);
        assert.equal(row.team, "platform");
        assert.ok(row.outputTokens > 0 && row.costUsd > 0);
      });
    }
  }
});
