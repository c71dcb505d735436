/** The request log: batched inserts and the queries `gw usage` and `gw logs` answer from. */
import type { InStatement, InValue, Row } from "@libsql/client";
import type { Database } from "../client.ts";
import type { RequestLog } from "../../logging/request_log.ts";

const COLUMNS = [
  "id",
  "ts",
  "endpoint",
  "key_id",
  "key_prefix",
  "team",
  "department",
  "user",
  "project",
  "env",
  "tags",
  "session_id",
  "agent_id",
  "parent_agent_id",
  "provider",
  "requested_model",
  "served_model",
  "stream",
  "status",
  "error_type",
  "error_message",
  "input_tokens",
  "output_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "cache_read_tokens",
  "cost_usd",
  "cost_estimated",
  "latency_ms",
  "ttfb_ms",
  "attempts",
  "client_aborted",
  "guardrails",
] as const;

const INSERT_ROW = `INSERT OR IGNORE INTO requests (${COLUMNS.join(", ")}) VALUES (${
  COLUMNS.map(() => "?").join(", ")
})`;

function values(row: RequestLog): InValue[] {
  return [
    row.id,
    row.ts,
    row.endpoint,
    row.keyId,
    row.keyPrefix,
    row.team,
    row.department,
    row.user,
    row.project,
    row.env,
    JSON.stringify(row.tags),
    row.sessionId,
    row.agentId,
    row.parentAgentId,
    row.provider,
    row.requestedModel,
    row.servedModel,
    row.stream ? 1 : 0,
    row.status,
    row.errorType,
    row.errorMessage,
    row.inputTokens,
    row.outputTokens,
    row.cacheWrite5mTokens,
    row.cacheWrite1hTokens,
    row.cacheReadTokens,
    row.costUsd,
    row.costEstimated ? 1 : 0,
    row.latencyMs,
    row.ttfbMs,
    row.attempts,
    row.clientAborted ? 1 : 0,
    row.guardrails ? JSON.stringify(row.guardrails) : null,
  ];
}

/**
 * One statement per row, all with the same text, so the embedded client prepares it once and
 * only binds values. Measured against one INSERT unpacking a JSON array with `json_each`: 13–19
 * µs a row instead of 28–41, with memory flat over 1.2 M rows. `OR IGNORE` makes a retried
 * batch harmless.
 */
export function insertRequestsStatements(rows: readonly RequestLog[]): InStatement[] {
  return rows.map((row) => ({ sql: INSERT_ROW, args: values(row) }));
}

function toLog(row: Row): RequestLog {
  const text = (value: unknown) => value === null ? null : String(value);
  const number = (value: unknown) => value === null ? null : Number(value);
  return {
    id: String(row.id),
    ts: Number(row.ts),
    endpoint: String(row.endpoint),
    keyId: text(row.key_id),
    keyPrefix: text(row.key_prefix),
    team: text(row.team),
    department: text(row.department),
    user: text(row.user),
    project: text(row.project),
    env: text(row.env),
    tags: JSON.parse(String(row.tags)),
    sessionId: text(row.session_id),
    agentId: text(row.agent_id),
    parentAgentId: text(row.parent_agent_id),
    provider: text(row.provider),
    requestedModel: text(row.requested_model),
    servedModel: text(row.served_model),
    stream: Number(row.stream) === 1,
    status: Number(row.status),
    errorType: text(row.error_type),
    errorMessage: text(row.error_message),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cacheWrite5mTokens: Number(row.cache_write_5m_tokens),
    cacheWrite1hTokens: Number(row.cache_write_1h_tokens),
    cacheReadTokens: Number(row.cache_read_tokens),
    costUsd: Number(row.cost_usd),
    costEstimated: Number(row.cost_estimated) === 1,
    latencyMs: number(row.latency_ms),
    ttfbMs: number(row.ttfb_ms),
    attempts: Number(row.attempts),
    clientAborted: Number(row.client_aborted) === 1,
    guardrails: row.guardrails === null ? null : JSON.parse(String(row.guardrails)),
  };
}

export interface LogFilter {
  sinceMs?: number;
  team?: string;
  keyId?: string;
  /** Exact status, or a class such as 400 for 4xx when `statusClass` is set. */
  status?: number;
  statusClass?: boolean;
  afterTs?: number;
  limit: number;
}

/** Newest first, or oldest first after `afterTs` (for following the log). */
export async function listRequests(db: Database, filter: LogFilter): Promise<RequestLog[]> {
  const following = filter.afterTs !== undefined;
  const result = await db.client.execute({
    sql: `SELECT ${COLUMNS.join(", ")} FROM requests
      WHERE ts >= ? AND ts > ? AND (? IS NULL OR team = ?) AND (? IS NULL OR key_id = ?)
        AND (? IS NULL OR (CASE WHEN ? THEN status / 100 * 100 ELSE status END) = ?)
      ORDER BY ts ${following ? "ASC" : "DESC"}, id LIMIT ?`,
    args: [
      filter.sinceMs ?? 0,
      filter.afterTs ?? -1,
      filter.team ?? null,
      filter.team ?? null,
      filter.keyId ?? null,
      filter.keyId ?? null,
      filter.status ?? null,
      filter.statusClass ? 1 : 0,
      filter.status ?? null,
      filter.limit,
    ],
  });
  return result.rows.map(toLog);
}

export async function countRequests(db: Database): Promise<number> {
  const result = await db.client.execute("SELECT count(*) AS n FROM requests");
  return Number(result.rows[0].n);
}

/** Dimensions `gw usage --by` accepts, each mapped to a fixed SQL expression. */
export const USAGE_DIMENSIONS = {
  team: "team",
  department: "department",
  project: "project",
  user: "user",
  model: "served_model",
  provider: "provider",
  key: "key_prefix",
  env: "env",
  session: "session_id",
  agent: "agent_id",
  day: "strftime('%Y-%m-%d', ts / 1000, 'unixepoch')",
} as const;

/** A fixed dimension, or `tag:NAME` for a request tag (raw rows only). */
export type UsageDimension = keyof typeof USAGE_DIMENSIONS | `tag:${string}`;

const TAG_NAME = /^tag:([a-z0-9_.-]{1,64})$/;

export function isUsageDimension(text: string): text is UsageDimension {
  return text in USAGE_DIMENSIONS || TAG_NAME.test(text);
}

export interface UsageRow {
  group: Record<string, string | null>;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costUsd: number;
  estimatedCostUsd: number;
}

/**
 * The same dimensions in the rollups (`t` is the bucket's start); `session`, `agent` and tags
 * are only in the raw rows.
 */
const ROLLUP_DIMENSIONS: Partial<Record<UsageDimension, string>> = {
  team: "team",
  department: "department",
  project: "project",
  user: "user",
  model: "model",
  provider: "provider",
  key: "key_prefix",
  env: "env",
  day: "strftime('%Y-%m-%d', t / 1000, 'unixepoch')",
};

const ROLLUP_MEASURES = `sum(requests) AS requests, sum(errors) AS errors,
  sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
  sum(cache_write_tokens) AS cache_write_tokens, sum(cache_read_tokens) AS cache_read_tokens,
  sum(cost_usd) AS cost_usd, sum(estimated_cost_usd) AS estimated_cost_usd`;

const HOUR = 3_600_000;
const DAY = 86_400_000;

function toUsageRow(row: Row, dimensions: readonly UsageDimension[]): UsageRow {
  const value = (v: unknown) => v === null || v === "" ? null : String(v);
  return {
    group: Object.fromEntries(dimensions.map((dimension, i) => [dimension, value(row[`d${i}`])])),
    requests: Number(row.requests),
    errors: Number(row.errors ?? 0),
    inputTokens: Number(row.input_tokens ?? 0),
    outputTokens: Number(row.output_tokens ?? 0),
    cacheWriteTokens: Number(row.cache_write_tokens ?? 0),
    cacheReadTokens: Number(row.cache_read_tokens ?? 0),
    costUsd: Number(row.cost_usd ?? 0),
    estimatedCostUsd: Number(row.estimated_cost_usd ?? 0),
  };
}

/**
 * Spend grouped by the chosen dimensions; count_tokens excluded. Answers from the rollups
 * (whole hours: `sinceMs` rounds down to the hour) unless a dimension exists only in the raw
 * rows.
 */
export async function usageBy(
  db: Database,
  dimensions: readonly UsageDimension[],
  sinceMs: number,
  untilMs: number,
): Promise<UsageRow[]> {
  if (!dimensions.every((dimension) => ROLLUP_DIMENSIONS[dimension])) {
    return usageFromRaw(db, dimensions, sinceMs, untilMs);
  }
  const groups = dimensions.map((_, i) => `d${i}`);
  const groupBy = groups.length ? `GROUP BY ${groups.join(", ")}` : "";
  // Each range is summed on its own (one contiguous scan, clustered by time), then the partial
  // sums are added up.
  const part = (table: string, time: string) =>
    `SELECT ${
      [...dimensions.map((dimension, i) => `${ROLLUP_DIMENSIONS[dimension]} AS d${i}`), ""]
        .join(", ")
    } ${ROLLUP_MEASURES}
    FROM (SELECT ${time} AS t, * FROM ${table} WHERE ${time} >= ? AND ${time} < ?) ${groupBy}`;
  const from = Math.floor(sinceMs / HOUR) * HOUR;
  // Whole days in the range come from the daily rollups, the hours around them from the hourly
  // ones; a range shorter than a day from the hourly ones alone.
  const firstDay = Math.ceil(from / DAY) * DAY;
  const endDay = Math.floor(untilMs / DAY) * DAY;
  const parts = firstDay >= endDay
    ? { sql: part("usage_hourly", "hour"), args: [from, untilMs] }
    : {
      sql: [
        part("usage_daily", "day"),
        part("usage_hourly", "hour"),
        part("usage_hourly", "hour"),
      ].join(" UNION ALL "),
      args: [firstDay, endDay, from, firstDay, endDay, untilMs],
    };
  const result = await db.client.execute({
    sql: `SELECT ${[...groups, ""].join(", ")} sum(requests) AS requests, sum(errors) AS errors,
      sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
      sum(cache_write_tokens) AS cache_write_tokens, sum(cache_read_tokens) AS cache_read_tokens,
      sum(cost_usd) AS cost_usd, sum(estimated_cost_usd) AS estimated_cost_usd
      FROM (${parts.sql}) ${groupBy} ORDER BY cost_usd DESC`,
    args: parts.args,
  });
  return result.rows.filter((row) => row.requests !== null).map((row) =>
    toUsageRow(row, dimensions)
  );
}

/** The same answer from the raw rows: exact to the millisecond, slow over months. */
export async function usageFromRaw(
  db: Database,
  dimensions: readonly UsageDimension[],
  sinceMs: number,
  untilMs: number,
): Promise<UsageRow[]> {
  // Tag names reach SQL only as bound JSON paths, never as text.
  const tagPaths: string[] = [];
  const expressions = dimensions.map((dimension, i) => {
    const tag = TAG_NAME.exec(dimension)?.[1];
    if (tag === undefined) {
      return `${USAGE_DIMENSIONS[dimension as keyof typeof USAGE_DIMENSIONS]} AS d${i}`;
    }
    tagPaths.push(`$."${tag}"`);
    return `json_extract(tags, ?) AS d${i}`;
  });
  const groupBy = dimensions.map((_, i) => `d${i}`);
  const result = await db.client.execute({
    sql: `SELECT ${[...expressions, ""].join(", ")}
        count(*) AS requests,
        sum(status >= 400) AS errors,
        sum(input_tokens) AS input_tokens,
        sum(output_tokens) AS output_tokens,
        sum(cache_write_5m_tokens + cache_write_1h_tokens) AS cache_write_tokens,
        sum(cache_read_tokens) AS cache_read_tokens,
        sum(cost_usd) AS cost_usd,
        sum(CASE WHEN cost_estimated THEN cost_usd ELSE 0 END) AS estimated_cost_usd
      FROM requests WHERE ts >= ? AND ts < ? AND endpoint = 'messages'
      ${groupBy.length ? `GROUP BY ${groupBy.join(", ")}` : ""}
      ORDER BY cost_usd DESC`,
    args: [...tagPaths, sinceMs, untilMs],
  });
  return result.rows.map((row) => toUsageRow(row, dimensions));
}
