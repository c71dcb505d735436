/**
 * A budget set (with the real CLI) after a team has spent counts that spend at once: in
 * `gw budgets list`, across remove and re-add, per member, and at the running gateway.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { runGw } from "../helpers/claude_code.ts";
import { type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import type { BudgetStanding } from "../../src/cli/budgets.ts";

describe("budgets set mid-period", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let env: Record<string, string>;

  before(async () => {
    fake = new FakeAnthropic().start();
    fake.fallback = { usage: { input_tokens: 1000, output_tokens: 1000 } };
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    env = { GW_DB_URL: `file:${gw.dir}/gw.db`, GW_MASTER_KEY: gw.masterKey, NO_COLOR: "1" };
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  async function gwCli(...args: string[]): Promise<string> {
    const result = await runGw(args, env);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  }

  async function send(key: string, headers: Record<string, string> = {}): Promise<number> {
    const response = await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      // A small max_tokens keeps the admission estimate far below what the fake then bills.
      body: JSON.stringify(messagesBody({ model: "claude-sonnet-5-5", max_tokens: 16 })),
    });
    await response.body?.cancel();
    return response.status;
  }

  /** Sends each request, then waits until the log (and its rollups) hold them. */
  async function spend(...keys: string[]): Promise<void> {
    for (const key of keys) assert.equal(await send(key), 200);
    await gw.rows();
  }

  /** What the request log says a team spent, per key and in all. */
  async function logged(team: string) {
    const byKey: Record<string, number> = {};
    let total = 0;
    for (const row of (await gw.rows()).filter((r) => r.team === team)) {
      byKey[row.keyId!] = (byKey[row.keyId!] ?? 0) + row.costUsd;
      total += row.costUsd;
    }
    return { byKey, total };
  }

  const standings = async (team: string): Promise<BudgetStanding[]> =>
    (JSON.parse(await gwCli("budgets", "list", "--json")) as BudgetStanding[])
      .filter((s) => s.scope === "team" && s.value === team);

  const close = (actual: number, expected: number) =>
    assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

  it("shows the month's spend at once, keeps it through remove and re-add, adds later spend", async () => {
    const alice = await gw.createKey({ team: "payments", user: "alice" });
    const bob = await gw.createKey({ team: "payments", user: "bob" });
    await spend(alice.secret, alice.secret, bob.secret);
    const spent = (await logged("payments")).total;
    assert.ok(spent > 0);

    const set = JSON.parse(
      await gwCli(
        "budgets",
        "set",
        "--team",
        "payments",
        "--period",
        "month",
        "--usd",
        "5",
        "--json",
      ),
    );
    let [standing] = await standings("payments");
    close(standing.spent, spent);
    assert.notEqual(standing.spentText, "$0.00");

    await gwCli("budgets", "remove", set.id);
    await gwCli("budgets", "set", "--team", "payments", "--period", "month", "--usd", "5");
    [standing] = await standings("payments");
    assert.notEqual(standing.id, set.id);
    close(standing.spent, spent);

    // Spend counts for a budget once the gateway has loaded it (its revision poll, 100 ms here).
    await gw.gateway.refresh();
    await spend(bob.secret);
    [standing] = await standings("payments");
    close(standing.spent, (await logged("payments")).total);
  });

  it("fills every member's counter of a per-member budget", async () => {
    const carol = await gw.createKey({ team: "squad", user: "carol" });
    const ci = JSON.parse(await gwCli("keys", "create", "--team", "squad", "--json"));
    assert.equal(ci.user, null);
    await spend(carol.secret, carol.secret, ci.key);
    // A user the CI key only declares is logged, but the key's own counter is charged.
    assert.equal(await send(ci.key, { "x-gw-user": "carol" }), 200);
    await gw.rows();
    await gwCli(
      "budgets",
      "set",
      "--team",
      "squad",
      "--period",
      "day",
      "--usd",
      "1",
      "--per-member",
    );
    const members = Object.fromEntries(
      (await standings("squad")).map((s) => [s.member, s.spent]),
    );
    const { byKey } = await logged("squad");
    assert.deepEqual(Object.keys(members).sort(), ["carol", `key:${ci.id}`]);
    close(members.carol, byKey[carol.record.id]);
    close(members[`key:${ci.id}`], byKey[ci.id]);
  });

  it("refuses at once when the spend already logged exceeds a new hard budget", async () => {
    const dave = await gw.createKey({ team: "spent", user: "dave" });
    await spend(dave.secret, dave.secret);
    const limit = (await logged("spent")).total / 2;
    await gwCli("budgets", "set", "--team", "spent", "--period", "week", "--usd", String(limit));
    // What the gateway's own polling does within a second, done now: one request, refused.
    await gw.gateway.refresh();
    await gw.gateway.budgets.refreshSpend();
    assert.equal(await send(dave.secret), 429);
  });
});
