/** Budgets for tests: a hard monthly $1 budget on team payments unless told otherwise. */
import type { Budget } from "../../src/limits/budget.ts";

export function budget(fields: Partial<Budget> = {}): Omit<Budget, "id"> {
  return {
    scope: "team",
    value: "payments",
    period: "month",
    limitUsd: 1,
    limitTokens: null,
    warnPct: 80,
    hard: true,
    perMember: false,
    downgradeModel: null,
    downgradeAtPct: null,
    ...fields,
  };
}
