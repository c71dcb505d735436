import assert from "node:assert/strict";
import { it } from "node:test";
import type { Budget } from "./budget.ts";
import { budget } from "../../test/helpers/budgets.ts";
import type { BudgetState } from "./budget_check.ts";
import { spendReport } from "./spend_report.ts";

function state(fields: Partial<Budget>, spentUsd: number): BudgetState {
  return {
    budget: { id: "bud", ...budget({ limitUsd: 100, ...fields }) },
    member: "",
    periodStart: 0,
    resetAt: Date.UTC(2026, 11, 1),
    spent: { usd: spentUsd, tokens: 0 },
    reserved: { usd: 0, tokens: 0 },
    inFlight: 0,
  };
}

it("reports the fullest hard USD budget as active, in cents", () => {
  const report = spendReport([
    state({ period: "month", limitUsd: 500 }, 271.4),
    state({ period: "day", limitUsd: 20 }, 19.5),
    state({ hard: false, limitUsd: 1 }, 5),
    state({ limitUsd: null, limitTokens: 1000 }, 0),
  ])!;
  assert.deepEqual(report.extra_usage, {
    is_enabled: true,
    monthly_limit: 2000,
    used_credits: 1950,
    utilization: 98,
    currency: "USD",
  });
  assert.deepEqual(report.limits.map((l) => [l.group, l.percent, l.severity, l.is_active]), [
    ["monthly", 54, "normal", false],
    ["daily", 98, "critical", true],
  ]);
  assert.equal(report.limits[0].resets_at, "2026-12-01T00:00:00.000Z");
});

it("prefers an exhausted budget and keeps percent below 100 until then", () => {
  const report = spendReport([state({ limitUsd: 10 }, 9.999), state({ limitUsd: 1 }, 1)])!;
  assert.deepEqual(report.limits.map((l) => [l.percent, l.is_active]), [[99, false], [
    100,
    true,
  ]]);
  assert.equal(spendReport([state({ hard: false }, 1)]), undefined);
});
