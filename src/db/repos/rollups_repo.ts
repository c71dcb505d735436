/**
 * The usage rollups, added to with each log batch and read by `gw usage`: hourly (hour-exact
 * ranges, the latency histogram) and daily (long ranges).
 */
import type { InStatement, InValue } from "@libsql/client";
import type { RequestLog } from "../../logging/request_log.ts";
import type { Database } from "../client.ts";
import { LATENCY_BOUNDS_MS } from "../migrations/0006_rollup_latency_histogram.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;

const ATTRIBUTION = ["team", "department", "user", "project", "env", "provider", "model"];
const BASE_MEASURES = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_write_tokens",
  "cache_read_tokens",
  "cost_usd",
  "estimated_cost_usd",
  "latency_ms_sum",
];

interface Rollup {
  table: string;
  dimensions: readonly string[];
  measures: readonly string[];
  dimensionsOf(row: RequestLog): InValue[];
  measuresOf(row: RequestLog): number[];
}

function attribution(row: RequestLog): InValue[] {
  return [
    row.team ?? "",
    row.department ?? "",
    row.user ?? "",
    row.project ?? "",
    row.env ?? "",
    row.provider ?? "",
    row.servedModel ?? "",
  ];
}

function baseMeasures(row: RequestLog): number[] {
  return [
    1,
    row.status >= 400 ? 1 : 0,
    row.inputTokens,
    row.outputTokens,
    row.cacheWrite5mTokens + row.cacheWrite1hTokens,
    row.cacheReadTokens,
    row.costUsd,
    row.costEstimated ? row.costUsd : 0,
    row.latencyMs ?? 0,
  ];
}

const HOURLY: Rollup = {
  table: "usage_hourly",
  dimensions: ["hour", "key_id", "key_prefix", ...ATTRIBUTION],
  measures: [...BASE_MEASURES, ...LATENCY_BOUNDS_MS.map((bound) => `latency_le_${bound}`)],
  dimensionsOf: (row) => [
    Math.floor(row.ts / HOUR) * HOUR,
    row.keyId ?? "",
    row.keyPrefix ?? "",
    ...attribution(row),
  ],
  measuresOf: (row) => [
    ...baseMeasures(row),
    ...LATENCY_BOUNDS_MS.map((bound) => (row.latencyMs ?? 0) <= bound ? 1 : 0),
  ],
};

const DAILY: Rollup = {
  table: "usage_daily",
  dimensions: ["day", "key_id", "key_prefix", ...ATTRIBUTION],
  measures: BASE_MEASURES,
  dimensionsOf: (row) => [
    Math.floor(row.ts / DAY) * DAY,
    row.keyId ?? "",
    row.keyPrefix ?? "",
    ...attribution(row),
  ],
  measuresOf: baseMeasures,
};

/**
 * One multi-row upsert adding a batch's messages rows to a rollup's buckets. Groups are summed
 * first: a batch of 500 rows usually touches a handful of buckets.
 */
function upsert(rollup: Rollup, rows: readonly RequestLog[]): InStatement | undefined {
  const groups = new Map<string, InValue[]>();
  const offset = rollup.dimensions.length;
  for (const row of rows) {
    if (row.endpoint !== "messages") continue;
    const dims = rollup.dimensionsOf(row);
    const key = JSON.stringify(dims);
    const values = rollup.measuresOf(row);
    const group = groups.get(key);
    if (!group) groups.set(key, [...dims, ...values]);
    else {
      for (let i = 0; i < values.length; i++) {
        group[offset + i] = (group[offset + i] as number) + values[i];
      }
    }
  }
  if (groups.size === 0) return undefined;
  const columns = [...rollup.dimensions, ...rollup.measures];
  // A batch's groups as one JSON parameter: one statement, however many groups. `WHERE true`
  // lets SQLite parse the upsert after a SELECT.
  return {
    sql: `INSERT INTO ${rollup.table} (${columns.join(", ")})
      SELECT ${columns.map((_, i) => `value ->> '$[${i}]'`).join(", ")} FROM json_each(?) WHERE true
      ON CONFLICT (${rollup.dimensions.join(", ")}) DO UPDATE SET
      ${rollup.measures.map((m) => `${m} = ${m} + excluded.${m}`).join(", ")}`,
    args: [JSON.stringify([...groups.values()])],
  };
}

/** The statements adding a batch to every rollup (none when it has no messages rows). */
export function addToRollupsStatements(rows: readonly RequestLog[]): InStatement[] {
  return [upsert(HOURLY, rows), upsert(DAILY, rows)].filter((s): s is InStatement => !!s);
}

/** Raw rows older than `beforeMs`, deleted in chunks so the writer is never blocked long. */
export async function pruneRequests(db: Database, beforeMs: number, chunk = 5000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db.client.execute({
      sql: "DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests WHERE ts < ? LIMIT ?)",
      args: [beforeMs, chunk],
    });
    deleted += result.rowsAffected;
    if (result.rowsAffected < chunk) return deleted;
  }
}
