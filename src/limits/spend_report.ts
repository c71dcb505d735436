/**
 * A developer's own spend caps in the shape Claude Code reads from `GET /api/oauth/usage` when
 * signed in to a gateway: it adds the amounts ("$271.40 / $500.00 spent") to `/usage` and its
 * status line. Amounts in cents; the active limit is the one the usage headers describe (the
 * exhausted one, else the fullest).
 */
import { type BudgetState, reportedUtilization } from "./budget_check.ts";
import { periodAdjective } from "./period.ts";

export interface SpendReport {
  extra_usage: {
    is_enabled: true;
    monthly_limit: number;
    used_credits: number;
    utilization: number;
    currency: "USD";
  };
  limits: {
    kind: "spend";
    group: string;
    percent: number;
    resets_at: string | null;
    severity: "normal" | "warning" | "critical";
    is_active: boolean;
  }[];
}

interface Cap {
  state: BudgetState;
  capCents: number;
  spentCents: number;
  utilization: number;
  exceeded: boolean;
}

function percent(cap: Cap): number {
  return Math.round(reportedUtilization(cap.utilization, cap.exceeded) * 100);
}

/** Hard USD budgets only; undefined when none applies. */
export function spendReport(states: readonly BudgetState[]): SpendReport | undefined {
  const caps: Cap[] = states
    .filter((state) => state.budget.hard && state.budget.limitUsd !== null)
    .map((state) => {
      const capCents = state.budget.limitUsd! * 100;
      const spentCents = state.spent.usd * 100;
      return {
        state,
        capCents,
        spentCents,
        utilization: capCents > 0 ? spentCents / capCents : 1,
        exceeded: spentCents >= capCents,
      };
    });
  if (caps.length === 0) return undefined;
  const active = caps.reduce((a, b) =>
    a.exceeded !== b.exceeded ? (a.exceeded ? a : b) : a.utilization >= b.utilization ? a : b
  );
  return {
    extra_usage: {
      is_enabled: true,
      monthly_limit: Math.round(active.capCents),
      used_credits: Math.floor(active.spentCents),
      utilization: percent(active),
      currency: "USD",
    },
    limits: caps.map((cap) => ({
      kind: "spend",
      group: periodAdjective(cap.state.budget.period),
      percent: percent(cap),
      resets_at: cap.state.resetAt === undefined ? null : new Date(cap.state.resetAt).toISOString(),
      severity: cap.exceeded || cap.utilization > 0.95
        ? "critical"
        : cap.utilization > 0.75
        ? "warning"
        : "normal",
      is_active: cap === active,
    })),
  };
}
