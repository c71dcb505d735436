/**
 * `gw serve --workers 2` as ops run it: both workers serve the one port, a team's rate limit
 * holds across them, `/metrics` on either reports both and the total, a killed worker is
 * restarted, and SIGTERM lets every stream finish with every log row written.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { eventually, messagesBody } from "../helpers/gw_harness.ts";
import { type GwProcess, processDatabase, serveProcess } from "../helpers/gw_process.ts";
import { runGw } from "../helpers/claude_code.ts";

describe("gw serve --workers 2", () => {
  let fake: FakeAnthropic;
  let dir: string;
  let env: Record<string, string>;
  let gw: GwProcess;
  let key: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    ({ dir, env } = await processDatabase(fake, "gwadm_workers"));
    for (
      const args of [
        ["teams", "create", "mobile"],
        ["limits", "set", "--team", "mobile", "--rpm", "10"],
      ]
    ) {
      const result = await runGw(args, env);
      assert.equal(result.code, 0, result.stderr);
    }
    key = JSON.parse((await runGw(["keys", "create", "--team", "mobile", "--json"], env)).stdout)
      .key;
    gw = await serveProcess(env, { serveArgs: ["--workers", "2"] });
  });
  after(async () => {
    await gw.stop().catch(() => {});
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  });

  /** A request on a connection of its own, so the kernel may hand it to either worker. */
  async function send(stream = false) {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    try {
      const response = await fetch(gw.url + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify(messagesBody({ stream })),
        client,
      });
      return { status: response.status, text: await response.text() };
    } finally {
      client.close();
    }
  }

  const metrics = () =>
    fetch(gw.url + "/metrics", { headers: { authorization: "Bearer gwadm_workers" } })
      .then((response) => response.text());

  it("serves from both workers and holds a team's rpm 10 across them", async () => {
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await send());
    assert.equal(answers.filter((a) => a.status === 200).length, 10);
    assert.ok(answers.filter((a) => a.status !== 200).every((a) => a.status === 429));
    const text = await metrics();
    assert.match(text, /^gw_worker_up\{worker="0"\} 1$/m);
    assert.match(text, /^gw_worker_up\{worker="1"\} 1$/m);
    const perWorker = [...text.matchAll(/^gw_worker_requests_total\{worker="\d"\} (\d+)$/gm)]
      .map((match) => Number(match[1]));
    assert.equal(perWorker.length, 2);
    assert.ok(perWorker.every((count) => count > 0), `requests per worker: ${perWorker}`);
    const total = [...text.matchAll(/^gw_requests_total\{[^}]*\} (\d+)$/gm)]
      .reduce((sum, match) => sum + Number(match[1]), 0);
    assert.equal(total, perWorker[0] + perWorker[1]);
  });

  it("restarts a worker that dies", async () => {
    // A SIGKILL loses what a worker has not flushed yet: let both write their rows first.
    await eventually(async () => {
      const depths = [...(await metrics()).matchAll(/^gw_log_queue_depth (\d+)$/gm)];
      assert.ok(depths.length === 1 && depths[0][1] === "0");
    });
    const children = new TextDecoder().decode(
      (await new Deno.Command("pgrep", { args: ["-P", String(gw.child.pid)], stdout: "piped" })
        .output()).stdout,
    ).trim().split("\n").map(Number);
    assert.equal(children.length, 2);
    Deno.kill(children[0], "SIGKILL");
    await eventually(async () => {
      const text = await metrics();
      assert.match(text, /^gw_worker_restarts_total\{worker="\d"\} 1$/m);
      assert.doesNotMatch(text, /^gw_worker_up\{worker="\d"\} 0$/m);
    }, 20_000);
  });

  it("drains every worker on SIGTERM and writes every row", async () => {
    const limits = JSON.parse((await runGw(["limits", "list", "--json"], env)).stdout);
    const removed = await runGw(["limits", "remove", limits[0].id], env);
    assert.equal(removed.code, 0, removed.stderr);
    fake.fallback = { eventDelayMs: 20 };
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = fake.messageRequests().length;
    const streams = Array.from({ length: 20 }, () => send(true));
    await eventually(() => assert.ok(fake.messageRequests().length - before >= 20));
    const { status, stderr } = await gw.stop();
    const answers = await Promise.all(streams);
    assert.equal(status.code, 0, stderr);
    assert.ok(answers.every((a) => a.status === 200 && a.text.includes("message_stop")));
    const logs = await runGw(["logs", "--limit", "1000", "--json"], env);
    const rows = logs.stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
    assert.equal(
      rows.filter((row) => row.endpoint === "messages" && row.status === 200).length,
      fake.messageRequests().length,
    );
  });
});
