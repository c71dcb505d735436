/** Budgets, their spend counters and rate limits. */
import type { InStatement, Row } from "@libsql/client";
import type { Budget, BudgetScope } from "../../limits/budget.ts";
import { type Period, periodStart } from "../../limits/period.ts";
import type { RateLimit, RateLimitScope } from "../../limits/rate_limit.ts";
import { type Database, writeBatch } from "../client.ts";
import { newId } from "../ids.ts";
import { auditStatement } from "./audit_repo.ts";
import { bumpRevision } from "./revision_repo.ts";
import { backfillSpendStatements } from "./spend_backfill_repo.ts";

function toBudget(row: Row): Budget {
  return {
    id: String(row.id),
    scope: String(row.scope_type) as BudgetScope,
    value: String(row.scope_value),
    period: String(row.period) as Period,
    limitUsd: row.limit_usd === null ? null : Number(row.limit_usd),
    limitTokens: row.limit_tokens === null ? null : Number(row.limit_tokens),
    warnPct: Number(row.warn_pct),
    hard: Number(row.hard) === 1,
    perMember: Number(row.per_member) === 1,
    downgradeModel: row.downgrade_model === null ? null : String(row.downgrade_model),
    downgradeAtPct: row.downgrade_at_pct === null ? null : Number(row.downgrade_at_pct),
  };
}

export async function listBudgets(db: Database): Promise<Budget[]> {
  const result = await db.client.execute(
    "SELECT * FROM budgets ORDER BY scope_type, scope_value, period",
  );
  return result.rows.map(toBudget);
}

/**
 * Creates or replaces the budget for this scope and period. Its counters for the current
 * period (on the `timeZone` calendar, as `budgets.timeZone` configures) start from the spend
 * already logged for the scope, in the same write.
 *
 * @example
 * await upsertBudget(db, budget, "cli:ops", { timeZone: config.budgets.timeZone });
 */
export async function upsertBudget(
  db: Database,
  budget: Omit<Budget, "id">,
  actor: string,
  calendar: { timeZone?: string; now?: number } = {},
): Promise<Budget> {
  const now = calendar.now ?? Date.now();
  await writeBatch(db, [
    {
      sql:
        `INSERT INTO budgets (id, scope_type, scope_value, period, limit_usd, limit_tokens, warn_pct,
          hard, per_member, downgrade_model, downgrade_at_pct, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (scope_type, scope_value, period) DO UPDATE SET
          limit_usd = excluded.limit_usd, limit_tokens = excluded.limit_tokens,
          warn_pct = excluded.warn_pct, hard = excluded.hard, per_member = excluded.per_member,
          downgrade_model = excluded.downgrade_model, downgrade_at_pct = excluded.downgrade_at_pct`,
      args: [
        newId("bud", now),
        budget.scope,
        budget.value,
        budget.period,
        budget.limitUsd,
        budget.limitTokens,
        budget.warnPct,
        budget.hard ? 1 : 0,
        budget.perMember ? 1 : 0,
        budget.downgradeModel,
        budget.downgradeAtPct,
        now,
      ],
    },
    ...backfillSpendStatements(budget, periodStart(budget.period, now, calendar.timeZone)),
    auditStatement(actor, "budget.set", `${budget.scope}:${budget.value}`, { ...budget }, now),
    bumpRevision,
  ]);
  const result = await db.client.execute({
    sql: "SELECT * FROM budgets WHERE scope_type = ? AND scope_value = ? AND period = ?",
    args: [budget.scope, budget.value, budget.period],
  });
  return toBudget(result.rows[0]);
}

export async function removeBudget(db: Database, id: string, actor: string): Promise<boolean> {
  const found = await db.client.execute({ sql: "SELECT id FROM budgets WHERE id = ?", args: [id] });
  if (found.rows.length === 0) return false;
  await writeBatch(db, [
    { sql: "DELETE FROM budget_spend WHERE budget_id = ?", args: [id] },
    { sql: "DELETE FROM budgets WHERE id = ?", args: [id] },
    auditStatement(actor, "budget.remove", id),
    bumpRevision,
  ]);
  return true;
}

export interface SpendRow {
  budgetId: string;
  periodStart: number;
  member: string;
  usd: number;
  tokens: number;
}

/** Counters of periods that started at or after `since`, plus every `total` counter. */
export async function readSpend(db: Database, since: number): Promise<SpendRow[]> {
  const result = await db.client.execute({
    sql: `SELECT budget_id, period_start, member, spent_usd, spent_tokens FROM budget_spend
      WHERE period_start >= ? OR period_start = 0`,
    args: [since],
  });
  return result.rows.map((row) => ({
    budgetId: String(row.budget_id),
    periodStart: Number(row.period_start),
    member: String(row.member),
    usd: Number(row.spent_usd),
    tokens: Number(row.spent_tokens),
  }));
}

/** Atomic additions, safe with many instances writing to one database. */
export function addSpendStatements(increments: readonly SpendRow[]): InStatement[] {
  return increments.map((increment) => ({
    sql: `INSERT INTO budget_spend (budget_id, period_start, member, spent_usd, spent_tokens)
      SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM budgets WHERE id = ?)
      ON CONFLICT (budget_id, period_start, member) DO UPDATE SET
        spent_usd = spent_usd + excluded.spent_usd, spent_tokens = spent_tokens + excluded.spent_tokens`,
    args: [
      increment.budgetId,
      increment.periodStart,
      increment.member,
      increment.usd,
      increment.tokens,
      increment.budgetId,
    ],
  }));
}

function toRateLimit(row: Row): RateLimit {
  const optional = (value: unknown) => value === null ? null : Number(value);
  return {
    id: String(row.id),
    scope: String(row.scope_type) as RateLimitScope,
    value: String(row.scope_value),
    rpm: optional(row.rpm),
    tpm: optional(row.tpm),
    concurrent: optional(row.concurrent),
  };
}

export async function listRateLimits(db: Database): Promise<RateLimit[]> {
  const result = await db.client.execute(
    "SELECT * FROM rate_limits ORDER BY scope_type, scope_value",
  );
  return result.rows.map(toRateLimit);
}

export async function upsertRateLimit(
  db: Database,
  limit: Omit<RateLimit, "id">,
  actor: string,
): Promise<RateLimit> {
  const now = Date.now();
  await writeBatch(db, [
    {
      sql: `INSERT INTO rate_limits (id, scope_type, scope_value, rpm, tpm, concurrent, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (scope_type, scope_value) DO UPDATE SET
          rpm = excluded.rpm, tpm = excluded.tpm, concurrent = excluded.concurrent`,
      args: [
        newId("rl", now),
        limit.scope,
        limit.value,
        limit.rpm,
        limit.tpm,
        limit.concurrent,
        now,
      ],
    },
    auditStatement(actor, "rate_limit.set", `${limit.scope}:${limit.value}`, { ...limit }, now),
    bumpRevision,
  ]);
  return (await listRateLimits(db)).find((l) =>
    l.scope === limit.scope && l.value === limit.value
  )!;
}

export async function removeRateLimit(db: Database, id: string, actor: string): Promise<boolean> {
  const found = await db.client.execute({
    sql: "SELECT id FROM rate_limits WHERE id = ?",
    args: [id],
  });
  if (found.rows.length === 0) return false;
  await writeBatch(db, [
    { sql: "DELETE FROM rate_limits WHERE id = ?", args: [id] },
    auditStatement(actor, "rate_limit.remove", id),
    bumpRevision,
  ]);
  return true;
}
