import assert from "node:assert/strict";
import { it } from "node:test";
import { LogWriter } from "../../logging/log_writer.ts";
import { logRow } from "../../../test/helpers/log_rows.ts";
import { openDatabase } from "../client.ts";
import { migrate } from "../migrate.ts";
import { pruneRequests } from "./rollups_repo.ts";
import { countRequests, usageBy, type UsageDimension, usageFromRaw } from "./requests_repo.ts";

function rng(seed: number) {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

it("rollups equal the sum of raw rows after a random workload", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openDatabase(`file:${dir}/r.db`);
  await migrate(db);
  const writer = new LogWriter(db, {
    flushIntervalMs: 60_000,
    batchRows: 137,
    queueLimit: 100_000,
  });
  const random = rng(7);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const start = Date.UTC(2026, 10, 1);
  for (let i = 0; i < 3000; i++) {
    const row = logRow({
      id: `req_${i}`,
      ts: start + Math.floor(random() * 72 * 3_600_000),
      endpoint: random() < 0.9 ? "messages" : "count_tokens",
      keyId: pick(["k1", "k2", "k3"]),
      keyPrefix: pick(["gw_a", "gw_b"]),
      team: pick(["payments", "search", null]),
      department: pick(["finance", null]),
      user: pick(["alice", "bob", null]),
      project: pick(["checkout", "mobile", null]),
      env: pick(["dev", "ci"]),
      provider: pick(["anthropic", "bedrock"]),
      servedModel: pick(["claude-opus-5-5", "claude-haiku-5-5"]),
      status: pick([200, 200, 200, 429, 500]),
      inputTokens: Math.floor(random() * 1000),
      outputTokens: Math.floor(random() * 1000),
      cacheWrite5mTokens: Math.floor(random() * 100),
      cacheWrite1hTokens: Math.floor(random() * 100),
      cacheReadTokens: Math.floor(random() * 10000),
      costUsd: Math.round(random() * 1e6) / 1e6,
      costEstimated: random() < 0.1,
      latencyMs: Math.floor(random() * 5000),
      ttfbMs: 10,
    });
    writer.enqueue(row);
  }
  await writer.stop();
  const since = start + 5 * 3_600_000;
  const until = start + 50 * 3_600_000;
  for (
    const dims of [["team"], ["team", "project", "user"], ["model", "provider"], ["day"], [
      "key",
      "env",
    ], []] as UsageDimension[][]
  ) {
    const fromRollups = await usageBy(db, dims, since, until);
    const fromRaw = await usageFromRaw(db, dims, since, until);
    const normalise = (rows: typeof fromRaw) =>
      rows.map((r) => ({
        ...r,
        costUsd: Math.round(r.costUsd * 1e6),
        estimatedCostUsd: Math.round(r.estimatedCostUsd * 1e6),
      }))
        .sort((a, b) => JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)));
    assert.deepEqual(normalise(fromRollups), normalise(fromRaw), `by ${dims.join(",")}`);
  }
  const histogram = await db.client.execute({
    sql:
      "SELECT sum(latency_le_1000) AS fast, sum(latency_le_120000) AS all_of_them, sum(requests) AS requests FROM usage_hourly",
    args: [],
  });
  const raw = await db.client.execute(
    "SELECT sum(latency_ms <= 1000) AS fast, count(*) AS requests FROM requests WHERE endpoint = 'messages'",
  );
  assert.equal(
    Number(histogram.rows[0].fast),
    Number(raw.rows[0].fast),
    "latency histogram matches the raw rows",
  );
  assert.equal(Number(histogram.rows[0].all_of_them), Number(raw.rows[0].requests));
  const total = await countRequests(db);
  const sum = (rows: { requests: number }[]) => rows.reduce((n, r) => n + r.requests, 0);
  const beforePrune = sum(await usageFromRaw(db, [], start, until));
  const pruned = await pruneRequests(db, start + 24 * 3_600_000, 100);
  assert.ok(pruned > 0);
  assert.equal(await countRequests(db), total - pruned);
  assert.equal(
    sum(await usageBy(db, ["team"], start, until)),
    beforePrune,
    "rollups outlive pruned rows",
  );
  assert.ok(sum(await usageFromRaw(db, [], start, until)) < beforePrune);
  db.client.close();
  await Deno.remove(dir, { recursive: true });
});
