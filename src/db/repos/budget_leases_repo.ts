/**
 * Budget leases (migration 0013): claimed, renewed, consumed by committed spend, and expired,
 * each in one statement so that the bound `spent + live leases ≤ limit` holds whatever other
 * processes do at the same moment.
 */
import type { InStatement } from "@libsql/client";
import type { Database } from "../client.ts";

export interface LeaseCounter {
  budgetId: string;
  periodStart: number;
  member: string;
}

export interface LeaseClaim extends LeaseCounter {
  holder: string;
  /** The holder's whole lease on this counter after the claim (not an increment). */
  usd: number;
  tokens: number;
  expiresAt: number;
  /** Which amount the budget limits, and the limit. */
  measure: "usd" | "tokens";
  limit: number;
  now: number;
  /**
   * Grant only if no other holder has a live lease and the counter, with `spentHere` (what
   * this holder settled but has not committed yet), is not spent: the "a request alone is let
   * through while anything is left" case, which may pass the limit by that one request.
   */
  alone?: boolean;
  spentHere?: number;
}

const SPENT = {
  usd: `COALESCE((SELECT spent_usd FROM budget_spend
      WHERE budget_id = ?1 AND period_start = ?2 AND member = ?3), 0)`,
  tokens: `COALESCE((SELECT spent_tokens FROM budget_spend
      WHERE budget_id = ?1 AND period_start = ?2 AND member = ?3), 0)`,
};
const OTHERS = {
  usd: `COALESCE((SELECT SUM(usd) FROM budget_leases WHERE budget_id = ?1 AND period_start = ?2
      AND member = ?3 AND holder <> ?4 AND expires_at > ?9), 0)`,
  tokens:
    `COALESCE((SELECT SUM(tokens) FROM budget_leases WHERE budget_id = ?1 AND period_start = ?2
      AND member = ?3 AND holder <> ?4 AND expires_at > ?9), 0)`,
};

function claimSql(measure: "usd" | "tokens", alone: boolean): string {
  const wanted = measure === "usd" ? "?5" : "?6";
  const condition = alone
    ? `${SPENT[measure]} + ?10 < ?8 AND ${OTHERS[measure]} = 0`
    : `${SPENT[measure]} + ${OTHERS[measure]} + ${wanted} <= ?8`;
  return `INSERT INTO budget_leases (budget_id, period_start, member, holder, usd, tokens, expires_at)
    SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM budgets WHERE id = ?1) AND ${condition}
    ON CONFLICT (budget_id, period_start, member, holder) DO UPDATE SET
      usd = excluded.usd, tokens = excluded.tokens, expires_at = excluded.expires_at`;
}

/** Prepared once per shape: four statements cover every claim. */
const CLAIM_SQL = {
  usd: claimSql("usd", false),
  tokens: claimSql("tokens", false),
  usdAlone: claimSql("usd", true),
  tokensAlone: claimSql("tokens", true),
};

/**
 * Sets the holder's lease on a counter to the amounts asked for, if the budget allows it;
 * true when granted. One statement: the check and the write are one atomic step.
 *
 * @example
 * const granted = await claimLease(db, { ...counter, holder, usd: 2, tokens: 0, measure: "usd",
 *   limit: 50, now, expiresAt: now + 15_000 });
 */
export async function claimLease(db: Database, claim: LeaseClaim): Promise<boolean> {
  const sql = CLAIM_SQL[`${claim.measure}${claim.alone ? "Alone" : ""}` as keyof typeof CLAIM_SQL];
  const result = await db.client.execute({
    sql,
    args: [
      claim.budgetId,
      claim.periodStart,
      claim.member,
      claim.holder,
      claim.usd,
      claim.tokens,
      claim.expiresAt,
      claim.limit,
      claim.now,
      claim.spentHere ?? 0,
    ],
  });
  return result.rowsAffected === 1;
}

/**
 * Lowers (or keeps) the holder's leases and pushes their expiry out; never raises one, which
 * only a claim may do. A lease that no longer exists is not recreated.
 */
export function renewLeaseStatements(
  holder: string,
  leases: readonly (LeaseCounter & { usd: number; tokens: number })[],
  expiresAt: number,
): InStatement[] {
  return leases.map((lease) => ({
    sql: `UPDATE budget_leases SET usd = MIN(usd, ?), tokens = MIN(tokens, ?), expires_at = ?
      WHERE budget_id = ? AND period_start = ? AND member = ? AND holder = ?`,
    args: [
      lease.usd,
      lease.tokens,
      expiresAt,
      lease.budgetId,
      lease.periodStart,
      lease.member,
      holder,
    ],
  }));
}

/**
 * Committed spend leaves the holder's lease: it now counts as spent. Written in the same
 * transaction as the spend, so `spent + leases` never counts it twice or not at all.
 */
export function consumeLeaseStatements(
  holder: string,
  spend: readonly (LeaseCounter & { usd: number; tokens: number })[],
): InStatement[] {
  return spend.map((increment) => ({
    sql: `UPDATE budget_leases SET usd = MAX(usd - ?, 0), tokens = MAX(tokens - ?, 0)
      WHERE budget_id = ? AND period_start = ? AND member = ? AND holder = ?`,
    args: [
      increment.usd,
      increment.tokens,
      increment.budgetId,
      increment.periodStart,
      increment.member,
      holder,
    ],
  }));
}

/** Drops leases that expired before `before`: their holders are gone. */
export async function deleteExpiredLeases(db: Database, before: number): Promise<void> {
  await db.client.execute({
    sql: "DELETE FROM budget_leases WHERE expires_at < ?",
    args: [before],
  });
}

/** Every live lease, for `gw budgets list` and tests. */
export async function listLeases(
  db: Database,
  now: number,
): Promise<(LeaseCounter & { holder: string; usd: number; tokens: number })[]> {
  const result = await db.client.execute({
    sql: `SELECT budget_id, period_start, member, holder, usd, tokens FROM budget_leases
      WHERE expires_at > ?`,
    args: [now],
  });
  return result.rows.map((row) => ({
    budgetId: String(row.budget_id),
    periodStart: Number(row.period_start),
    member: String(row.member),
    holder: String(row.holder),
    usd: Number(row.usd),
    tokens: Number(row.tokens),
  }));
}
