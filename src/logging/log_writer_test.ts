import assert from "node:assert/strict";
import { it } from "node:test";
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
