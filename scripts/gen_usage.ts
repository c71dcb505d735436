/**
 * Generates a request log of N rows (default 10 million) over the last 60 days — 500
 * developers in 25 teams, each mostly on one of 4 models and 3 providers — through gw's own
 * log writer (so rollups
 * are built exactly as in production), then times "a month's spend by team" from the rollups
 * and from the raw rows. Random draws come from mulberry32 so developer-hours spread as they would
 * with real traffic.
 *
 * deno run -A scripts/gen_usage.ts [--rows 10000000] [--db file:/tmp/gw-usage.db]
 */
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { countRequests, usageBy, usageFromRaw } from "../src/db/repos/requests_repo.ts";
import { LogWriter } from "../src/logging/log_writer.ts";
import { logRow } from "../test/helpers/log_rows.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "10000000" },
    db: { type: "string", default: "file:/tmp/gw-usage.db" },
  },
});
const total = Number(values.rows);
const db = await openDatabase(values.db!);
await migrate(db);
const writer = new LogWriter(db, {
  flushIntervalMs: 3_600_000,
  batchRows: 900,
  queueLimit: 2_000_000,
});

// mulberry32: a plain LCG's correlated successive draws collapse the hour × developer
// spread into a few thousand rollup rows, which would flatter the rollup query.
let state = 0x9e3779b9;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const teams = Array.from({ length: 25 }, (_, i) => `team-${i}`);
const models = [
  "claude-opus-5-5",
  "claude-sonnet-5-5",
  "claude-haiku-5-5",
  "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
];
const providers = ["anthropic-main", "bedrock-us", "vertex-eu"];
const now = Date.now();
const started = performance.now();
for (let i = 0; i < total; i++) {
  const developer = Math.floor(random() * 500);
  const row = logRow({
    id: `gen_${i}`,
    ts: now - Math.floor(random() * 60 * 86_400_000),
    keyId: `key_${developer}`,
    keyPrefix: `gw_${developer}`,
    team: teams[developer % 25],
    department: `dept-${developer % 5}`,
    user: `dev-${developer}`,
    project: `project-${developer % 40}`,
    env: "dev",
    // Developers mostly stay on their own model and provider, as Claude Code sessions do.
    provider: providers[random() < 0.9 ? developer % 3 : i % 3],
    requestedModel: models[random() < 0.8 ? developer % 4 : i % 4],
    servedModel: models[random() < 0.8 ? developer % 4 : i % 4],
    status: random() < 0.02 ? 529 : 200,
    inputTokens: 20,
    outputTokens: Math.floor(random() * 2000),
    cacheWrite5mTokens: 500,
    cacheReadTokens: 40000,
    costUsd: random() * 0.05,
    latencyMs: Math.floor(random() * 20000),
    ttfbMs: 500,
  });
  writer.enqueue(row);
  if (writer.stats.queued >= 100_000) await writer.flush();
  if ((i + 1) % 1_000_000 === 0) {
    const rss = Math.round(Deno.memoryUsage().rss / 2 ** 20);
    const elapsed = Math.round((performance.now() - started) / 1000);
    console.log(`${i + 1} rows, ${elapsed} s, rss ${rss} MiB`);
  }
}
await writer.stop(600_000);
const seconds = (performance.now() - started) / 1000;
console.log(
  `wrote ${total} rows in ${seconds.toFixed(0)} s (${
    Math.round(total / seconds)
  } rows/s incl. rollups)`,
);
console.log(`rows in the database: ${await countRequests(db)}`);
for (const table of ["usage_hourly", "usage_daily"]) {
  const { rows } = await db.client.execute(`SELECT count(*) AS n FROM ${table}`);
  console.log(`${table} rows: ${rows[0].n}`);
}

async function time(label: string, query: () => Promise<unknown[]>) {
  await query();
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await query();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label}: median ${runs[2].toFixed(1)} ms`);
}
const monthAgo = now - 30 * 86_400_000;
await time("month by team, rollups", () => usageBy(db, ["team"], monthAgo, now + 1));
await time(
  "month by team, project, user, rollups",
  () => usageBy(db, ["team", "project", "user"], monthAgo, now + 1),
);
await time("month by key, rollups", () => usageBy(db, ["key"], monthAgo, now + 1));
await time("month by team, raw rows", () => usageFromRaw(db, ["team"], monthAgo, now + 1));
db.client.close();
