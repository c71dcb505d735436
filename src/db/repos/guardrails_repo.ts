/** Guardrail policies and their assignments. */
import type { Policy } from "../../guardrails/policy.ts";
import { type Database, writeBatch } from "../client.ts";
import { auditStatement } from "./audit_repo.ts";
import { bumpRevision } from "./revision_repo.ts";

export interface Assignment {
  scope: "org" | "team" | "key";
  value: string;
  policy: string;
}

export async function listPolicies(db: Database): Promise<Policy[]> {
  const result = await db.client.execute(
    "SELECT name, rules, limits FROM guardrail_policies ORDER BY name",
  );
  return result.rows.map((row) => ({
    name: String(row.name),
    rules: JSON.parse(String(row.rules)),
    limits: JSON.parse(String(row.limits)),
  }));
}

export async function upsertPolicy(db: Database, policy: Policy, actor: string): Promise<void> {
  await writeBatch(db, [
    {
      sql: `INSERT INTO guardrail_policies (name, rules, limits, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET rules = excluded.rules, limits = excluded.limits`,
      args: [policy.name, JSON.stringify(policy.rules), JSON.stringify(policy.limits), Date.now()],
    },
    auditStatement(actor, "guardrail.set", policy.name, { rules: Object.keys(policy.rules) }),
    bumpRevision,
  ]);
}

export async function listAssignments(db: Database): Promise<Assignment[]> {
  const result = await db.client.execute(
    "SELECT scope, value, policy FROM guardrail_assignments ORDER BY scope, value",
  );
  return result.rows.map((row) => ({
    scope: String(row.scope) as Assignment["scope"],
    value: String(row.value),
    policy: String(row.policy),
  }));
}

export async function assignPolicy(
  db: Database,
  assignment: Assignment,
  actor: string,
): Promise<void> {
  await writeBatch(db, [
    {
      sql: `INSERT INTO guardrail_assignments (scope, value, policy) VALUES (?, ?, ?)
        ON CONFLICT (scope, value) DO UPDATE SET policy = excluded.policy`,
      args: [assignment.scope, assignment.value, assignment.policy],
    },
    auditStatement(actor, "guardrail.assign", `${assignment.scope}:${assignment.value}`, {
      policy: assignment.policy,
    }),
    bumpRevision,
  ]);
}

export async function unassignPolicy(
  db: Database,
  scope: Assignment["scope"],
  value: string,
  actor: string,
): Promise<boolean> {
  const found = await db.client.execute({
    sql: "SELECT 1 FROM guardrail_assignments WHERE scope = ? AND value = ?",
    args: [scope, value],
  });
  if (found.rows.length === 0) return false;
  await writeBatch(db, [
    {
      sql: "DELETE FROM guardrail_assignments WHERE scope = ? AND value = ?",
      args: [scope, value],
    },
    auditStatement(actor, "guardrail.unassign", `${scope}:${value}`),
    bumpRevision,
  ]);
  return true;
}
