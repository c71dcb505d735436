/** A budget as gw enforces it, and which requests it applies to. */
import type { RequestTags } from "../tags/request_tags.ts";
import type { Period } from "./period.ts";

export type BudgetScope = "key" | "user" | "project" | "team" | "department" | "tag";

export interface Budget {
  id: string;
  scope: BudgetScope;
  /** Key id, user, project, team or department name, or `name=value` for tags. */
  value: string;
  period: Period;
  limitUsd: number | null;
  limitTokens: number | null;
  warnPct: number;
  /** Hard budgets refuse requests once spent; soft ones only warn. */
  hard: boolean;
  /** For team and department budgets: every member gets the limit, instead of one pool. */
  perMember: boolean;
  downgradeModel: string | null;
  downgradeAtPct: number | null;
}

/** What a request is charged to: the key plus its attribution. */
export interface Chargee {
  keyId: string;
  tags: RequestTags;
}

/**
 * The counter a request draws on for this budget, or undefined when the budget does not apply.
 * Pools use member "", per-member budgets the user (or the key when it has no user).
 */
export function budgetMember(budget: Budget, chargee: Chargee): string | undefined {
  const { tags } = chargee;
  let applies: boolean;
  switch (budget.scope) {
    case "key":
      applies = budget.value === chargee.keyId;
      break;
    case "user":
      applies = budget.value === tags.user;
      break;
    case "project":
      applies = budget.value === tags.project;
      break;
    case "team":
      applies = budget.value === tags.team;
      break;
    case "department":
      applies = budget.value === tags.department;
      break;
    case "tag": {
      const eq = budget.value.indexOf("=");
      applies = tags.tags[budget.value.slice(0, eq)] === budget.value.slice(eq + 1);
      break;
    }
  }
  if (!applies) return undefined;
  return budget.perMember ? (tags.user ?? `key:${chargee.keyId}`) : "";
}

export function describeScope(budget: Budget, member: string): string {
  const scope = budget.scope === "tag" ? `tag ${budget.value}` : `${budget.scope} ${budget.value}`;
  return member ? `${scope} (per member, ${member})` : scope;
}
