/**
 * The budget decision for one request, as a pure function of the budgets that apply and what
 * the ledger says about them.
 *
 * A request is refused here when a hard budget is spent. Whether the room left covers it
 * beside everything in flight, on every process, is the leases' question (budget_leases.ts).
 */
import { type Budget, describeScope } from "./budget.ts";
import type { Amount } from "./spend_ledger.ts";
import { periodLabel } from "./period.ts";

export interface BudgetState {
  budget: Budget;
  member: string;
  periodStart: number;
  /** When the period resets (ms), undefined for `total`. */
  resetAt: number | undefined;
  spent: Amount;
  reserved: Amount;
  inFlight: number;
}

export interface BudgetDecision {
  refusal?: { state: BudgetState; message: string; utilization: number };
  /** A cheaper model to use instead, from a budget past its downgrade threshold. */
  downgradeModel?: string;
  /** Budgets at or past their warn threshold. */
  warnings: BudgetState[];
  /** The hard budget closest to its limit, for the utilisation headers. */
  tightest?: { state: BudgetState; utilization: number };
}

export function limitOf(budget: Budget): number {
  return budget.limitUsd ?? budget.limitTokens ?? 0;
}

export function measure(budget: Budget, amount: Amount): number {
  return budget.limitUsd !== null ? amount.usd : amount.tokens;
}

/** Utilisation as Claude Code reads it: two decimals, below 1 while requests still pass. */
export function reportedUtilization(utilization: number, exceeded: boolean): number {
  const rounded = Math.round(utilization * 100) / 100;
  return exceeded ? rounded : Math.min(rounded, 0.99);
}

export function formatAmount(budget: Budget, value: number): string {
  return budget.limitUsd !== null
    ? `$${value.toFixed(2)}`
    : `${Math.round(value).toLocaleString("en-US")} tokens`;
}

export function formatReset(resetAt: number | undefined): string {
  if (resetAt === undefined) return "it does not reset";
  return `resets ${new Date(resetAt).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * @example
 * const decision = decideBudgets(states);
 * if (decision.refusal) throw …;
 */
export function decideBudgets(states: readonly BudgetState[]): BudgetDecision {
  const decision: BudgetDecision = { warnings: [] };
  for (const state of states) {
    const { budget } = state;
    const limit = limitOf(budget);
    const spent = measure(budget, state.spent);
    const utilization = limit > 0 ? spent / limit : 1;
    if (utilization * 100 >= budget.warnPct) decision.warnings.push(state);
    if (
      budget.downgradeModel && budget.downgradeAtPct !== null &&
      utilization * 100 >= budget.downgradeAtPct
    ) {
      decision.downgradeModel ??= budget.downgradeModel;
    }
    if (!budget.hard) continue;
    if (!decision.tightest || utilization > decision.tightest.utilization) {
      decision.tightest = { state, utilization };
    }
    if (decision.refusal) continue;
    const scope = describeScope(budget, state.member);
    const when = `${periodLabel(budget.period)}; ${formatReset(state.resetAt)}`;
    if (spent >= limit) {
      decision.refusal = {
        state,
        utilization,
        message: `Budget exhausted for ${scope}: spent ${formatAmount(budget, spent)} of ${
          formatAmount(budget, limit)
        } ${when}. Ask your gw admin to raise it.`,
      };
    }
  }
  return decision;
}
