/**
 * The real Claude Code signs in to gw through `/login` (the gateway device flow, driven by its
 * `auth login --gateway-json` interface), works through the key the sign-in minted, and, in an
 * interactive session in a tmux pane, shows gw's budget in `/usage`: the "Spend limit" bar from
 * the budget headers, the amounts from gw's `/api/oauth/usage`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { newTmuxSession, tmux } from "../helpers/tmux.ts";
import { eventually, type Harness, startGw } from "../helpers/gw_harness.ts";
import { CLAUDE_BIN } from "../../scripts/install_test_tools.ts";
import { upsertBudget } from "../../src/db/repos/budgets_repo.ts";
import { budget } from "../helpers/budgets.ts";
import { escapeRegExp, nextMonthStartUtc, resetText } from "../helpers/reset_text.ts";

const SESSION = `gw-signin-${Deno.pid}`;

/** A developer machine: Claude Code told to sign in to this gateway, onboarding done. */
async function developerHome(gatewayUrl: string, project: string): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "gw-cc-signin-" });
  await Deno.mkdir(`${home}/.claude`);
  await Deno.writeTextFile(
    `${home}/.claude/settings.json`,
    JSON.stringify({ forceLoginMethod: "gateway", forceLoginGatewayUrl: gatewayUrl }),
  );
  await Deno.writeTextFile(
    `${home}/.claude.json`,
    JSON.stringify({
      hasCompletedOnboarding: true,
      theme: "dark",
      projects: { [project]: { hasTrustDialogAccepted: true } },
    }),
  );
  return home;
}

function claudeEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    TERM: "xterm-256color",
    TZ: "UTC",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
}

/**
 * `claude auth login --gateway-json`: Claude Code writes each screen as a JSON line and takes
 * `{state, shown, accept: true}` to confirm it; `approve` plays the developer's browser.
 */
async function signIn(home: string, approve: (userCode: string) => Promise<void>) {
  const child = new Deno.Command(CLAUDE_BIN, {
    args: ["auth", "login", "--gateway-json"],
    clearEnv: true,
    env: claudeEnv(home),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const input = child.stdin.getWriter();
  const states: string[] = [];
  let buffered = "";
  for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    for (let end; (end = buffered.indexOf("\n")) >= 0;) {
      const screen = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      states.push(screen.state);
      if (screen.confirmLabel) {
        const answer = JSON.stringify({ state: screen.state, shown: screen.shown, accept: true });
        await input.write(new TextEncoder().encode(answer + "\n"));
      }
      if (screen.state === "polling") await approve(screen.userCode);
      if (screen.state === "done" || screen.state === "error") await input.close();
    }
  }
  const status = await child.status;
  const stderr = await new Response(child.stderr).text();
  return { code: status.code, states, stderr };
}

async function setTeamBudget(gw: Harness, limitUsd: number): Promise<void> {
  await upsertBudget(gw.db, budget({ value: "warned", limitUsd }), "test");
  await gw.gateway.refresh();
  await gw.gateway.budgets.refreshSpend();
}

describe("Claude Code signed in to gw", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let project: string;
  let home: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    fake.fallback = { usage: { input_tokens: 100_000, output_tokens: 2000 }, text: "done" };
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    project = await Deno.makeTempDir({ prefix: "gw-cc-project-" });
    home = await developerHome(gw.url, project);
  });
  after(async () => {
    await tmux("kill-session", "-t", SESSION);
    await gw.stop();
    await fake.stop();
    await Deno.remove(home, { recursive: true }).catch(() => {});
    await Deno.remove(project, { recursive: true }).catch(() => {});
  });

  it("signs in through the device flow, then shows gw's budget as its spend bar", async () => {
    const { secret, record } = await gw.createKey({ team: "warned", user: "erin" });
    await setTeamBudget(gw, 1000);
    const login = await signIn(home, async (userCode) => {
      const page = await fetch(gw.url + "/device", {
        method: "POST",
        body: new URLSearchParams({ user_code: userCode, key: secret }),
      });
      assert.equal(page.status, 200, await page.text());
    });
    assert.equal(login.code, 0, `${login.states.join(" → ")}\n${login.stderr}`);
    assert.ok(login.states.includes("polling") && login.states.at(-1) === "done");

    await newTmuxSession(
      SESSION,
      { columns: 120, rows: 40 },
      `env -i ${
        Object.entries(claudeEnv(home)).map(([k, v]) => `${k}='${v}'`).join(" ")
      } ${CLAUDE_BIN}`,
      project,
    );
    const screen = () => tmux("capture-pane", "-p", "-t", SESSION);
    await eventually(async () => assert.match(await screen(), /❯/), 30_000);
    await tmux("send-keys", "-t", SESSION, "first prompt", "Enter");
    await eventually(async () => assert.match(await screen(), /● done/), 30_000);

    // Tighten the budget so that what the first prompt spent is 80 % of it: the next response
    // carries the warning.
    const rows = (await gw.rows()).filter((row) => row.keyId !== record.id && row.status === 200);
    assert.ok(rows.length > 0, "requests went through the signed-in key");
    assert.ok(rows.every((row) => row.team === "warned" && row.user === "erin"));
    const spent = rows.reduce((sum, row) => sum + row.costUsd, 0);
    await setTeamBudget(gw, spent / 0.8);
    // The second answer costs nothing, so the headers on it and gw's spend report agree: 80 %.
    fake.fallback = { usage: { input_tokens: 0, output_tokens: 0 }, text: "done" };

    await tmux("send-keys", "-t", SESSION, "second prompt", "Enter");
    await eventually(
      async () => assert.equal((await screen()).match(/● done/g)?.length, 2),
      30_000,
    );
    // `/usage` draws the "Spend limit" bar from gw's budget headers and asks gw's
    // `/api/oauth/usage` for the amounts.
    await tmux("send-keys", "-t", SESSION, "/usage");
    await eventually(async () => assert.match(await screen(), /\/usage/), 10_000);
    await tmux("send-keys", "-t", SESSION, "Enter");
    const amounts = `\\$${spent.toFixed(2)} / \\$${(spent / 0.8).toFixed(2)} spent this month`;
    await eventually(
      async () =>
        assert.match(
          await screen(),
          new RegExp(
            `Spend limit\\s+█+\\s+80% used\\s+${amounts} · Resets ${
              escapeRegExp(resetText(nextMonthStartUtc(new Date()), new Date()))
            } \\(UTC\\)`,
          ),
        ),
      30_000,
    );
  });
});
