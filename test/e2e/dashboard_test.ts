/**
 * `gw --dashboard` in a real terminal (a tmux pane): the numbers on screen match the database
 * after a scripted workload, it survives a resize, and `q` quits.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { newTmuxSession, tmux } from "../helpers/tmux.ts";
import { eventually, type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { upsertBudget } from "../../src/db/repos/budgets_repo.ts";
import { budget } from "../helpers/budgets.ts";
import { usageBy } from "../../src/db/repos/requests_repo.ts";

const SESSION = `gw-dashboard-${Deno.pid}`;

/** The shell command that runs the gw CLI from source, as `deno task gw` does. */
function gwCommand(...args: string[]): string {
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const main = new URL("../../src/main.ts", import.meta.url).pathname;
  return [Deno.execPath(), "run", "-A", "--config", config, main, ...args].join(" ");
}

async function screen(): Promise<string> {
  return await tmux("capture-pane", "-p", "-t", SESSION);
}

describe("gw --dashboard", () => {
  let gw: Harness;
  let fake: FakeAnthropic;

  before(async () => {
    fake = new FakeAnthropic().start();
    fake.fallback = { usage: { input_tokens: 1000, output_tokens: 1000 } };
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    await upsertBudget(gw.db, budget({ limitUsd: 10 }), "test");
    const { secret } = await gw.createKey({ team: "payments", user: "alice" });
    for (let i = 0; i < 5; i++) {
      const response = await fetch(gw.url + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": secret },
        body: JSON.stringify(messagesBody({ stream: true })),
      });
      await response.text();
    }
    await gw.rows();
  });
  after(async () => {
    await tmux("kill-session", "-t", SESSION);
    await gw.stop();
    await fake.stop();
  });

  it("shows the database's numbers, survives a resize and quits on q", async () => {
    const month = await usageBy(
      gw.db,
      ["team"],
      Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1),
      Date.now() + 1,
    );
    const spent = `$${month[0].costUsd.toFixed(2)}`;
    const command = gwCommand("--dashboard", "--db", `file:${gw.dir}/gw.db`);
    await newTmuxSession(SESSION, { columns: 100, rows: 30 }, `TERM=xterm-256color ${command}`);
    const text = await eventually(async () => {
      const shown = await screen();
      assert.match(shown, /payments/);
      return shown;
    }, 20_000);
    const line = text.split("\n").find((l) => l.startsWith("payments"))!;
    assert.ok(line.includes(spent), `month spend ${spent} on screen: ${line}`);
    assert.match(line, /\d+% of \$10\.00/);
    assert.match(text, /main claude-opus-5-5/);
    await tmux("resize-window", "-t", SESSION, "-x", "80", "-y", "24");
    await eventually(async () => {
      const shown = await screen();
      assert.match(shown, /gw dashboard/);
      assert.ok(shown.split("\n").every((l) => l.length <= 80));
    }, 10_000);
    assert.ok(
      (await tmux("list-sessions")).includes(SESSION),
      "the dashboard keeps running until q",
    );
    await tmux("send-keys", "-t", SESSION, "q");
    await eventually(async () => {
      const sessions = await tmux("list-sessions");
      assert.ok(!sessions.includes(SESSION), "the dashboard quit");
    }, 10_000);
  });

  it("runs beside the server with gw serve --dashboard; q stops both", async () => {
    const session = `${SESSION}-serve`;
    const command = gwCommand(
      "serve",
      "--dashboard",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--db",
      `file:${gw.dir}/gw.db`,
    );
    await newTmuxSession(
      session,
      { columns: 100, rows: 30 },
      `TERM=xterm-256color GW_MASTER_KEY=${gw.masterKey} ${command}`,
    );
    try {
      await eventually(async () => {
        const shown = await tmux("capture-pane", "-p", "-t", session);
        assert.match(shown, /gw dashboard .* live/);
        assert.match(shown, /payments/);
      }, 20_000);
      await tmux("send-keys", "-t", session, "q");
      await eventually(
        async () => assert.ok(!(await tmux("list-sessions")).includes(session)),
        15_000,
      );
    } finally {
      await tmux("kill-session", "-t", session);
    }
  });

  it("reads a remote gw through the admin API and shows disconnected when it goes away", async () => {
    const session = `${SESSION}-remote`;
    const remote = await startGw({}, { shareWith: gw });
    const command = gwCommand("--dashboard", "--url", remote.url, "--admin-token", "gwadm_test");
    await newTmuxSession(session, { columns: 100, rows: 30 }, `TERM=xterm-256color ${command}`);
    try {
      await eventually(
        async () =>
          assert.match(await tmux("capture-pane", "-p", "-t", session), /live[\s\S]*payments/),
        20_000,
      );
      await remote.stop();
      await eventually(
        async () => assert.match(await tmux("capture-pane", "-p", "-t", session), /disconnected/),
        20_000,
      );
      assert.ok((await tmux("list-sessions")).includes(session), "it keeps retrying");
    } finally {
      await tmux("kill-session", "-t", session);
    }
  });
});
