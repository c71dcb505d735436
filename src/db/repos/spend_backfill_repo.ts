/**
 * A budget's counters for its current period, started from the spend already logged for its
 * scope, so a budget set mid-month counts the month so far (and removing and re-adding it
 * loses nothing). Runs inside the budget's own write: the log writer adds rows, rollups and
 * counter increments in one transaction too, so everything committed before is counted
 * exactly once and everything committed after adds on top. Not counted: requests admitted
 * before an instance saw the budget and logged after this write (they carry no increment for
 * it), at most the requests in flight for one refresh interval. User budgets and members are
 * read from each key's bound user as it is now: a key re-bound mid-period brings its earlier
 * spend along.
 */
import type { InStatement, InValue } from "@libsql/client";
import type { Budget } from "../../limits/budget.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The budget row the upsert before these statements wrote, by its unique scope. */
const BUDGET_ID =
  "(SELECT id FROM budgets WHERE scope_type = ? AND scope_value = ? AND period = ?)";

type Scoped = Pick<Budget, "scope" | "value" | "period" | "perMember">;

interface Part {
  sql: string;
  args: InValue[];
}

/**
 * User budgets and per-member counters follow the key's bound user, as `budgetMember` does (a
 * user a request only declares is recorded, never charged): they read it from the key, as it
 * is now. Team and department are the key's on every row already.
 */
function followsKeyUser(budget: Scoped): boolean {
  return budget.perMember || budget.scope === "user";
}

/** The counter a row `r` draws on: the pool (''), or per member the key's user, else its id. */
function memberOf(budget: Scoped): string {
  return budget.perMember ? "coalesce(k.user, 'key:' || r.key_id)" : "''";
}

/** The condition a row `r` (joined to its key `k`) meets when the budget applies to it. */
function scopeMatch(budget: Scoped): Part {
  switch (budget.scope) {
    case "key":
      return { sql: "r.key_id = ?", args: [budget.value] };
    case "user":
      return { sql: "k.user = ?", args: [budget.value] };
    case "project":
    case "team":
    case "department":
      return { sql: `r.${budget.scope} = ?`, args: [budget.value] };
    case "tag": {
      const eq = budget.value.indexOf("=");
      const [name, value] = [budget.value.slice(0, eq), budget.value.slice(eq + 1)];
      // A JSON path cannot quote `"`; such a name (only an admin can bind one) goes the slow way.
      return /["\\]/.test(name)
        ? {
          sql: "EXISTS (SELECT 1 FROM json_each(r.tags) WHERE key = ? AND value = ?)",
          args: [name, value],
        }
        : { sql: "json_extract(r.tags, ?) = ?", args: [`$."${name}"`, value] };
    }
  }
}

/** The rows of `table` with `time` in [from, until), as member, usd and tokens. */
function part(
  budget: Scoped,
  source: { table: string; time: string; tokens: string; where?: string },
  from: number,
  until?: number,
): Part {
  const match = scopeMatch(budget);
  const join = followsKeyUser(budget) ? "LEFT JOIN keys k ON k.id = r.key_id" : "";
  return {
    sql: `SELECT ${memberOf(budget)} AS member, r.cost_usd AS usd, ${source.tokens} AS tokens
      FROM ${source.table} r ${join}
      WHERE r.${source.time} >= ?${until === undefined ? "" : ` AND r.${source.time} < ?`}
      ${source.where ?? ""} AND ${match.sql}`,
    args: [from, ...(until === undefined ? [] : [until]), ...match.args],
  };
}

const ROLLUP_TOKENS =
  "r.input_tokens + r.output_tokens + r.cache_write_tokens + r.cache_read_tokens";
const DAILY = { table: "usage_daily", time: "day", tokens: ROLLUP_TOKENS };
const HOURLY = { table: "usage_hourly", time: "hour", tokens: ROLLUP_TOKENS };
const RAW = {
  table: "requests",
  time: "ts",
  tokens: `r.input_tokens + r.output_tokens + r.cache_write_5m_tokens + r.cache_write_1h_tokens
    + r.cache_read_tokens`,
  where: "AND r.endpoint = 'messages'",
};

/**
 * Where the spend since `start` is read: whole UTC days from the daily rollups, the hours
 * before the first of them from the hourly ones, and the part of an hour a period starts
 * into (time zones 30 or 45 minutes off UTC) from the raw rows. Tag budgets read raw rows
 * only: tags are not rolled up, so a tag budget counts what the log still holds
 * (`log.retentionDays`), and reads a period's rows once in its write.
 */
function sources(budget: Scoped, start: number): Part[] {
  if (budget.scope === "tag") return [part(budget, RAW, start)];
  const firstHour = Math.ceil(start / HOUR) * HOUR;
  const firstDay = Math.ceil(firstHour / DAY) * DAY;
  const parts: Part[] = [];
  if (start < firstHour) parts.push(part(budget, RAW, start, firstHour));
  if (firstHour < firstDay) parts.push(part(budget, HOURLY, firstHour, firstDay));
  parts.push(part(budget, DAILY, firstDay));
  return parts;
}

/**
 * Replaces the budget's counters for the period starting at `periodStart` with the spend
 * logged for its scope since then: one per member for per-member budgets, else the pool.
 * Put them after the budget's upsert, in the same write transaction.
 *
 * @example
 * await writeBatch(db, [upsert, ...backfillSpendStatements(budget, periodStart("month", now))]);
 */
export function backfillSpendStatements(budget: Scoped, periodStart: number): InStatement[] {
  const scope = [budget.scope, budget.value, budget.period];
  const parts = sources(budget, periodStart);
  return [
    {
      sql: `DELETE FROM budget_spend WHERE budget_id = ${BUDGET_ID} AND period_start = ?`,
      args: [...scope, periodStart],
    },
    {
      sql: `INSERT INTO budget_spend (budget_id, period_start, member, spent_usd, spent_tokens)
        SELECT ${BUDGET_ID}, ?, member, sum(usd), sum(tokens)
        FROM (${parts.map((source) => source.sql).join(" UNION ALL ")})
        GROUP BY member HAVING sum(usd) > 0 OR sum(tokens) > 0`,
      args: [...scope, periodStart, ...parts.flatMap((source) => source.args)],
    },
  ];
}
