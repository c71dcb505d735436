import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LogWriter } from "../../logging/log_writer.ts";
import type { RequestLog } from "../../logging/request_log.ts";
import { periodStart } from "../../limits/period.ts";
import { budget } from "../../../test/helpers/budgets.ts";
import { logRow } from "../../../test/helpers/log_rows.ts";
import { type Database, openDatabase } from "../client.ts";
import { migrate } from "../migrate.ts";
import { readSpend, removeBudget, upsertBudget } from "./budgets_repo.ts";
import { insertKey } from "./keys_repo.ts";
import { createTeam, findTeamByName } from "./teams_repo.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Key fields these tests never set. */
const UNBOUND = { project: null, env: null, tags: {}, models: [], projects: [], expiresAt: null };
/** 1 + 2 + 3 + 4 + 5 tokens of every kind: 15 a row. */
const TOKENS = {
  inputTokens: 1,
  outputTokens: 2,
  cacheWrite5mTokens: 3,
  cacheWrite1hTokens: 4,
  cacheReadTokens: 5,
};

describe("budget counters started from logged spend", () => {
  let dir: string;
  let db: Database;
  let writer: LogWriter;
  let n = 0;

  before(async () => {
    dir = await Deno.makeTempDir({ prefix: "gw-backfill-" });
    db = await openDatabase(`file:${dir}/gw.db`);
    await migrate(db);
    writer = new LogWriter(db, { flushIntervalMs: 60_000, batchRows: 100, queueLimit: 10_000 });
  });
  after(async () => {
    db.client.close();
    await Deno.remove(dir, { recursive: true });
  });

  /** Rows through the real log writer, so rollups are kept as in production. */
  async function log(...rows: Partial<RequestLog>[]): Promise<void> {
    for (const row of rows) writer.enqueue(logRow({ ...TOKENS, ...row, id: `req_${++n}` }));
    await writer.flush();
  }

  /** A real key (per-member and user budgets read the key's bound user); returns its id. */
  async function key(user: string | null): Promise<string> {
    const name = `key-${++n}`;
    const team = await findTeamByName(db, "members") ??
      await createTeam(db, { name: "members", parentId: null }, "test");
    const created = await insertKey(
      db,
      { ...UNBOUND, user, name, hash: name, prefix: name, teamId: team.id },
      "test",
    );
    return created.id;
  }

  const counters = async (budgetId: string) =>
    (await readSpend(db, 0)).filter((row) => row.budgetId === budgetId)
      .map(({ periodStart, member, usd, tokens }) => ({ periodStart, member, usd, tokens }))
      .sort((a, b) => a.member.localeCompare(b.member));

  it("counts the period so far on the configured calendar, to the millisecond", async () => {
    const now = Date.UTC(2026, 10, 15, 12);
    const timeZone = "Asia/Kolkata";
    // 1 November in Kolkata began at 18:30 UTC on 31 October: inside an hourly bucket.
    const start = periodStart("month", now, timeZone);
    assert.equal(start, Date.UTC(2026, 9, 31, 18, 30));
    await log(
      { ts: start - 1, team: "ledger", costUsd: 1 },
      { ts: start + 10 * MINUTE, team: "ledger", costUsd: 2 },
      { ts: start + 60 * MINUTE, team: "ledger", costUsd: 4 },
      { ts: Date.UTC(2026, 10, 3), team: "ledger", costUsd: 8 },
      { ts: now - MINUTE, team: "ledger", costUsd: 16 },
      { ts: now - MINUTE, team: "other", costUsd: 32 },
      { ts: now - MINUTE, team: "ledger", endpoint: "count_tokens", costUsd: 64 },
    );
    const calendar = { timeZone, now };
    const ledger = budget({ value: "ledger", limitUsd: 100 });
    const set = await upsertBudget(db, ledger, "test", calendar);
    assert.deepEqual(await counters(set.id), [
      { periodStart: start, member: "", usd: 30, tokens: 60 },
    ]);

    // Spend logged afterwards adds on top; changing the budget recounts without doubling.
    writer.enqueue(logRow({ ...TOKENS, id: `req_${++n}`, ts: now, team: "ledger", costUsd: 100 }), [
      { budgetId: set.id, periodStart: start, member: "", usd: 100, tokens: 15 },
    ]);
    await writer.flush();
    assert.equal((await counters(set.id))[0].usd, 130);
    await upsertBudget(db, { ...ledger, limitUsd: 200 }, "test", calendar);
    assert.deepEqual(await counters(set.id), [
      { periodStart: start, member: "", usd: 130, tokens: 75 },
    ]);

    // Removed and set again: a new budget, the same spend.
    assert.equal(await removeBudget(db, set.id, "test"), true);
    const again = await upsertBudget(db, ledger, "test", calendar);
    assert.notEqual(again.id, set.id);
    assert.deepEqual(await counters(again.id), [
      { periodStart: start, member: "", usd: 130, tokens: 75 },
    ]);
  });

  it("fills each member's counter of a per-member budget, and only its members'", async () => {
    const now = Date.UTC(2026, 11, 2, 15);
    const [alice, bob, ci] = [await key("alice"), await key("bob"), await key(null)];
    await log(
      { ts: now - DAY, team: "members", keyId: alice, user: "alice", costUsd: 1 },
      { ts: now - 2 * MINUTE, team: "members", keyId: alice, user: "alice", costUsd: 2 },
      { ts: now - MINUTE, team: "members", keyId: bob, user: "bob", costUsd: 4 },
      { ts: now - MINUTE, team: "members", keyId: ci, user: null, costUsd: 8 },
      // A user the request declared (x-gw-user) is recorded, but the key is charged.
      { ts: now - MINUTE, team: "members", keyId: ci, user: "alice", costUsd: 32 },
      { ts: now - MINUTE, team: "elsewhere", keyId: alice, user: "alice", costUsd: 16 },
    );
    const calendar = { now };
    const set = await upsertBudget(
      db,
      budget({ value: "members", period: "day", perMember: true }),
      "test",
      calendar,
    );
    const start = Date.UTC(2026, 11, 2);
    assert.deepEqual(await counters(set.id), [
      { periodStart: start, member: "alice", usd: 2, tokens: 15 },
      { periodStart: start, member: "bob", usd: 4, tokens: 15 },
      { periodStart: start, member: `key:${ci}`, usd: 40, tokens: 30 },
    ]);
    // Turned into a pool: one counter, no stale members.
    await upsertBudget(db, budget({ value: "members", period: "day" }), "test", calendar);
    assert.deepEqual(await counters(set.id), [
      { periodStart: start, member: "", usd: 46, tokens: 60 },
    ]);
    // A user budget is the key's user's: what alice's keys spent, not what others declared.
    const user = budget({ scope: "user", value: "alice", period: "day" });
    const userSet = await upsertBudget(db, user, "test", calendar);
    assert.deepEqual((await counters(userSet.id)).map((counter) => counter.usd), [18]);
  });

  it("counts tag budgets from the raw rows and scopes from every dimension", async () => {
    const now = Date.UTC(2027, 0, 20, 9);
    await log(
      { ts: now - 30 * DAY, tags: { feature: "search" }, department: "finance", costUsd: 1 },
      { ts: now - MINUTE, tags: { feature: "search" }, costUsd: 2 },
      { ts: now - MINUTE, tags: { feature: "chat" }, costUsd: 4 },
      { ts: now - MINUTE, tags: { 'we"ird': "x" }, department: "finance", costUsd: 8 },
      { ts: now - MINUTE, keyId: "key_solo", project: "atlas", costUsd: 16 },
    );
    const spent = async (fields: Parameters<typeof budget>[0]) => {
      const set = await upsertBudget(
        db,
        budget({ limitUsd: null, limitTokens: 1e6, ...fields }),
        "test",
        {
          now,
        },
      );
      return (await counters(set.id)).map((counter) => [counter.usd, counter.tokens]);
    };
    assert.deepEqual(await spent({ scope: "tag", value: "feature=search", period: "week" }), [[
      2,
      15,
    ]]);
    assert.deepEqual(await spent({ scope: "tag", value: 'we"ird=x', period: "week" }), [[8, 15]]);
    assert.deepEqual(await spent({ scope: "tag", value: "feature=none", period: "week" }), []);
    assert.deepEqual(await spent({ scope: "department", value: "finance", period: "total" }), [[
      9,
      30,
    ]]);
    assert.deepEqual(await spent({ scope: "key", value: "key_solo", period: "month" }), [[16, 15]]);
    assert.deepEqual(await spent({ scope: "project", value: "atlas", period: "day" }), [[16, 15]]);
  });
});
