import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { countRequests, usageBy } from "../db/repos/requests_repo.ts";
import { LogWriter } from "./log_writer.ts";
import type { RequestLog } from "./request_log.ts";
import { logRow } from "../../test/helpers/log_rows.ts";

function row(i: number): RequestLog {
  return logRow({ id: `req_${i}`, ts: 1_000 + i, team: i % 2 ? "payments" : "search" });
}

it("writes every queued row in batches and aggregates them", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDatabase(`file:${dir}/log.db`);
  await migrate(db);
  const writer = new LogWriter(db, { flushIntervalMs: 10_000, batchRows: 300, queueLimit: 10_000 });
  for (let i = 0; i < 1001; i++) writer.enqueue(row(i));
  await writer.stop();
  assert.equal(await countRequests(db), 1001);
  assert.equal(writer.stats.written, 1001);
  const byTeam = await usageBy(db, ["team"], 0, 10_000);
  assert.deepEqual(byTeam.map((r) => [r.group.team, r.requests, r.costUsd]), [[
    "search",
    501,
    250.5,
  ], ["payments", 500, 250]]);
  db.client.close();
  await Deno.remove(dir, { recursive: true });
});

it("keeps rows while the database fails and counts what overflows", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDatabase(`file:${dir}/log.db`);
  const messages: string[] = [];
  const writer = new LogWriter(db, {
    flushIntervalMs: 10_000,
    batchRows: 100,
    queueLimit: 5,
    report: (m) => messages.push(m),
  });
  for (let i = 0; i < 7; i++) writer.enqueue(row(i));
  await writer.flush();
  assert.equal(writer.stats.dropped, 2);
  assert.equal(writer.stats.queued, 5);
  assert.ok(messages.some((m) => m.includes("failed")));
  await migrate(db);
  await writer.flush();
  assert.equal(await countRequests(db), 5);
  assert.ok(messages.some((m) => m.includes("recovered")));
  db.client.close();
  await Deno.remove(dir, { recursive: true });
});

describe("a row the database refuses", () => {
  it("is quarantined by id while the rest of its batch and later batches are written", async () => {
    const dir = await Deno.makeTempDir();
    const db = await openDatabase(`file:${dir}/log.db`);
    await migrate(db);
    const messages: string[] = [];
    const writer = new LogWriter(db, {
      flushIntervalMs: 10_000,
      batchRows: 100,
      queueLimit: 1000,
      report: (m) => messages.push(m),
    });
    for (let i = 0; i < 5; i++) writer.enqueue(row(i));
    // Past the clamps: a NaN cost binds as NULL, which the rollups' NOT NULL refuses.
    writer.enqueue(logRow({ id: "req_nan", costUsd: NaN, user: "content-of-the-row" }));
    // A value the driver cannot bind fails without an SQLite code.
    writer.enqueue(logRow({ id: "req_undef", keyId: undefined as unknown as null }));
    for (let i = 5; i < 8; i++) writer.enqueue(row(i));
    await writer.flush();
    assert.equal(await countRequests(db), 8);
    assert.equal(writer.stats.written, 8);
    assert.equal(writer.stats.quarantined, 2);
    assert.equal(writer.stats.queued, 0);
    assert.equal(writer.stats.failingSince, undefined);
    assert.equal(messages.length, 2);
    assert.match(messages[0], /row req_nan .*SQLITE_CONSTRAINT_NOTNULL/);
    assert.match(messages[1], /row req_undef .*TypeError/);
    assert.ok(messages.every((m) => !m.includes("content-of-the-row")));

    for (let i = 8; i < 12; i++) writer.enqueue(row(i));
    await writer.stop();
    assert.equal(await countRequests(db), 12);
    const total = await usageBy(db, [], 0, 10_000);
    assert.equal(total[0].requests, 12, "the rollups hold every written row, none of the bad");
    db.client.close();
    await Deno.remove(dir, { recursive: true });
  });

  it("is not quarantined while the database itself refuses writes", async () => {
    const dir = await Deno.makeTempDir();
    const db = await openDatabase(`file:${dir}/log.db`);
    await migrate(db);
    await db.client.execute("PRAGMA busy_timeout = 10");
    const messages: string[] = [];
    const writer = new LogWriter(db, {
      flushIntervalMs: 10_000,
      batchRows: 100,
      queueLimit: 1000,
      report: (m) => messages.push(m),
    });
    // Another connection's write transaction, held open.
    const locker = await openDatabase(`file:${dir}/log.db`);
    await locker.client.execute("BEGIN IMMEDIATE");
    const before = Date.now();
    for (let i = 0; i < 3; i++) writer.enqueue(row(i));
    writer.enqueue(logRow({ id: "req_nan", costUsd: NaN }));
    await writer.flush();
    await writer.flush();
    assert.equal(writer.stats.queued, 4);
    assert.equal(writer.stats.quarantined, 0);
    assert.equal(writer.stats.written, 0);
    assert.ok(writer.stats.failingSince! >= before);
    assert.equal(messages.filter((m) => m.includes("failed")).length, 1, "reported once");

    await locker.client.execute("ROLLBACK");
    locker.client.close();
    await writer.flush();
    assert.equal(writer.stats.written, 3);
    assert.equal(writer.stats.quarantined, 1);
    assert.equal(writer.stats.failingSince, undefined);
    assert.ok(messages.some((m) => m.includes("recovered")));
    db.client.close();
    await Deno.remove(dir, { recursive: true });
  });
});
