/**
 * gw as ops run it: `gw serve` as a subprocess. A SIGTERM under streaming load loses no log
 * row; and no secret — provider key or full gw key — shows up in the database, the server's
 * output or any CLI output after creation.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { runGw } from "../helpers/claude_code.ts";
import { eventually, messagesBody } from "../helpers/gw_harness.ts";
import { SecretBox } from "../../src/crypto/secret_box.ts";

const PROVIDER_SECRET =
  "sk-ant-api03-LIFECYCLEsecretVALUE0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";

describe("gw serve lifecycle", () => {
  let fake: FakeAnthropic;
  let dir: string;
  let env: Record<string, string>;
  let key: string;
  const outputs: string[] = [];

  before(async () => {
    fake = new FakeAnthropic().start();
    fake.apiKey = PROVIDER_SECRET;
    dir = await Deno.makeTempDir({ prefix: "gw-life-" });
    env = {
      GW_DB_URL: `file:${dir}/gw.db`,
      GW_MASTER_KEY: SecretBox.generateMasterKey(),
      PROVIDER_SECRET,
      NO_COLOR: "1",
    };
    const steps = [
      [
        "providers",
        "add",
        "anthropic",
        "--name",
        "main",
        "--base-url",
        fake.url,
        "--api-key-env",
        "PROVIDER_SECRET",
      ],
      ["teams", "create", "payments"],
    ];
    for (const args of steps) {
      const result = await runGw(args, env);
      assert.equal(result.code, 0, result.stderr);
      outputs.push(result.stdout, result.stderr);
    }
    const created = await runGw(["keys", "create", "--team", "payments", "--json"], env);
    key = JSON.parse(created.stdout).key;
  });
  after(async () => {
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  });

  async function serve() {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("../../src/main.ts", import.meta.url).pathname,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
      ],
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    let stdout = "";
    let stderr = "";
    const reader = child.stdout.getReader();
    let port = 0;
    while (!port) {
      const { value, done } = await reader.read();
      if (done) throw new Error("gw exited before listening");
      stdout += decoder.decode(value);
      port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(stdout)?.[1] ?? 0);
    }
    const drain = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        stdout += decoder.decode(value);
      }
    })();
    const errDrain = (async () => {
      for await (const chunk of child.stderr) stderr += decoder.decode(chunk);
    })();
    return {
      child,
      url: `http://127.0.0.1:${port}`,
      async output() {
        await Promise.all([drain, errDrain]);
        return stdout + stderr;
      },
    };
  }

  it("drains in-flight streams and loses no log row on SIGTERM", async () => {
    const gw = await serve();
    fake.fallback = { eventDelayMs: 30 };
    const served = fake.messageRequests().length;
    const requests = Array.from({ length: 40 }, () =>
      fetch(gw.url + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify(messagesBody({ stream: true })),
      }).then((r) => r.text()).catch(() => ""));
    await eventually(() => assert.ok(fake.messageRequests().length - served >= 40));
    gw.child.kill("SIGTERM");
    const bodies = await Promise.all(requests);
    const status = await gw.child.status;
    assert.equal(status.code, 0);
    outputs.push(await gw.output());
    assert.ok(bodies.every((b) => b.includes("message_stop")), "in-flight streams finished");
    fake.fallback = {};
    const logs = await runGw(["logs", "--limit", "1000", "--json"], env);
    outputs.push(logs.stdout, logs.stderr);
    const rows = logs.stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
    assert.equal(
      rows.filter((r) => r.endpoint === "messages").length,
      fake.messageRequests().length,
    );
  });

  it("never shows a provider secret or a full gw key after creation", async () => {
    const gw = await serve();
    const response = await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify(messagesBody()),
    });
    await response.text();
    await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "x-api-key": key.slice(0, -1) + "Z" },
      body: "{",
    }).then((r) => r.text());
    gw.child.kill("SIGTERM");
    await gw.child.status;
    outputs.push(await gw.output());
    for (
      const args of [
        ["keys", "list", "--all"],
        ["keys", "show", key.slice(0, 11)],
        ["providers", "list", "--json"],
        ["usage", "--by", "team,key"],
        ["usage", "--by", "team", "--cache"],
        ["usage", "--by", "tag:ticket,session"],
        ["logs", "--json"],
        ["keys", "list", "--json"],
      ]
    ) {
      const result = await runGw(args, env);
      assert.equal(result.code, 0, result.stderr);
      outputs.push(result.stdout, result.stderr);
    }
    const all = outputs.join("\n");
    assert.ok(!all.includes(PROVIDER_SECRET), "provider secret in output");
    assert.ok(!all.includes(key), "full gw key in output");
    assert.ok(!all.includes(key.slice(0, -1) + "Z"), "a presented key in output");
    for (const file of ["gw.db", "gw.db-wal"]) {
      const bytes = await Deno.readFile(`${dir}/${file}`).catch(() => new Uint8Array());
      const text = new TextDecoder("latin1").decode(bytes);
      assert.ok(!text.includes(PROVIDER_SECRET), `provider secret in ${file}`);
      assert.ok(!text.includes(key), `gw key in ${file}`);
    }
  });

  it("prints the Claude Code settings block", async () => {
    const result = await runGw([
      "setup",
      "claude-code",
      "--key",
      "gw_example",
      "--url",
      "https://gw.example.com/",
      "--project",
      "checkout",
    ], env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      env: {
        ANTHROPIC_BASE_URL: "https://gw.example.com",
        ANTHROPIC_AUTH_TOKEN: "gw_example",
        ANTHROPIC_CUSTOM_HEADERS: "x-gw-project: checkout",
      },
    });
    const signIn = await runGw(
      ["setup", "claude-code", "--sign-in", "--url", "https://gw.example.com/"],
      env,
    );
    assert.equal(signIn.code, 0, signIn.stderr);
    assert.deepEqual(JSON.parse(signIn.stdout), {
      forceLoginMethod: "gateway",
      forceLoginGatewayUrl: "https://gw.example.com",
    });
    const usage = await runGw(["setup", "claude-code"], env);
    assert.equal(usage.code, 2, "neither a key nor --sign-in is a usage error");
  });
});
