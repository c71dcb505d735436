/** The hourly usage rollups: added to with each log batch, read by `gw usage`. */
import type { InStatement, InValue } from "@libsql/client";
import type { RequestLog } from "../../logging/request_log.ts";
import type { Database } from "../client.ts";
import { LATENCY_BOUNDS_MS } from "../migrations/0006_rollup_latency_histogram.ts";

const HOUR = 3_600_000;
const DIMENSIONS = [
  "hour",
  "key_id",
  "key_prefix",
  "team",
  "department",
  "user",
  "project",
  "env",
  "provider",
  "model",
] as const;
const MEASURES = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_write_tokens",
  "cache_read_tokens",
  "cost_usd",
  "estimated_cost_usd",
  "latency_ms_sum",
  ...LATENCY_BOUNDS_MS.map((bound) => `latency_le_${bound}`),
] as const;

/**
 * One multi-row upsert adding a batch's messages rows to their hourly buckets. Groups are
 * summed first: a batch of 500 rows usually touches a handful of buckets.
 */
export function addToRollupsStatement(rows: readonly RequestLog[]): InStatement | undefined {
  const groups = new Map<string, InValue[]>();
  for (const row of rows) {
    if (row.endpoint !== "messages") continue;
    const dims = [
      Math.floor(row.ts / HOUR) * HOUR,
      row.keyId ?? "",
      row.keyPrefix ?? "",
      row.team ?? "",
      row.department ?? "",
      row.user ?? "",
      row.project ?? "",
      row.env ?? "",
      row.provider ?? "",
      row.servedModel ?? "",
    ];
    const key = JSON.stringify(dims);
    const values = [
      1,
      row.status >= 400 ? 1 : 0,
      row.inputTokens,
      row.outputTokens,
      row.cacheWrite5mTokens + row.cacheWrite1hTokens,
      row.cacheReadTokens,
      row.costUsd,
      row.costEstimated ? row.costUsd : 0,
      row.latencyMs ?? 0,
      ...LATENCY_BOUNDS_MS.map((bound) => (row.latencyMs ?? 0) <= bound ? 1 : 0),
    ];
    const group = groups.get(key);
    if (!group) groups.set(key, [...dims, ...values]);
    else {values.forEach((
        value,
        i,
      ) => (group[DIMENSIONS.length + i] = (group[DIMENSIONS.length + i] as number) + value)
      );}
  }
  if (groups.size === 0) return undefined;
  const columns = [...DIMENSIONS, ...MEASURES];
  // One JSON parameter, as for the raw rows (see insertRequestsStatement); `WHERE true` lets
  // SQLite parse the upsert after a SELECT.
  return {
    sql: `INSERT INTO usage_hourly (${columns.join(", ")})
      SELECT ${columns.map((_, i) => `value ->> '$[${i}]'`).join(", ")} FROM json_each(?) WHERE true
      ON CONFLICT (${DIMENSIONS.join(", ")}) DO UPDATE SET
      ${MEASURES.map((m) => `${m} = ${m} + excluded.${m}`).join(", ")}`,
    args: [JSON.stringify([...groups.values()])],
  };
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
