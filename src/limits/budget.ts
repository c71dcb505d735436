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

/**
 * Whose budgets and limits a request draws on, as only the admin can set it: the key's team,
 * department and bound user. A `KeyRecord` is one, so the hot path passes the key as it is.
 */
export interface KeyIdentity {
  team: string;
  department: string | null;
  /** The key's bound user; a user the request declares is never charged. */
  user: string | null;
}

/**
 * What a request is charged to: the key, its identity, and its attribution. User, team,
 * department and per-member budgets follow the identity, so no header can drain another
 * user's budget or dodge a per-member one; project and tag budgets follow the attribution,
 * where a header can only fill what the key leaves empty (and `--projects` bounds it).
 */
export interface Chargee {
  keyId: string;
  identity: KeyIdentity;
  tags: RequestTags;
}

/**
 * @example
 * const chargee = chargeeOf(key, requestTags(key, request.headers));
 */
export function chargeeOf(key: KeyIdentity & { id: string }, tags: RequestTags): Chargee {
  return { keyId: key.id, identity: key, tags };
}

/**
 * The counter a request draws on for this budget, or undefined when the budget does not apply.
 * Pools use member "", per-member budgets the key's user (or the key when it has no user).
 *
 * @example
 * const member = budgetMember(budget, chargee); // "alice", "key:key_…", "" or undefined
 */
export function budgetMember(budget: Budget, chargee: Chargee): string | undefined {
  const { identity, tags } = chargee;
  let applies: boolean;
  switch (budget.scope) {
    case "key":
      applies = budget.value === chargee.keyId;
      break;
    case "user":
      applies = budget.value === identity.user;
      break;
    case "project":
      applies = budget.value === tags.project;
      break;
    case "team":
      applies = budget.value === identity.team;
      break;
    case "department":
      applies = budget.value === identity.department;
      break;
    case "tag": {
      const eq = budget.value.indexOf("=");
      applies = tags.tags[budget.value.slice(0, eq)] === budget.value.slice(eq + 1);
      break;
    }
  }
  if (!applies) return undefined;
  return budget.perMember ? (identity.user ?? `key:${chargee.keyId}`) : "";
}

export function describeScope(budget: Budget, member: string): string {
  const scope = budget.scope === "tag" ? `tag ${budget.value}` : `${budget.scope} ${budget.value}`;
  return member ? `${scope} (per member, ${member})` : scope;
}
