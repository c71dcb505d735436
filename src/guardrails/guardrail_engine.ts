/** Which compiled policy applies to a request: the key's, else its team's, else the org's. */
import type { Assignment } from "../db/repos/guardrails_repo.ts";
import { type CompiledPolicy, compilePolicy, type Policy } from "./policy.ts";

export class GuardrailEngine {
  private byScope = new Map<string, CompiledPolicy>();

  set(policies: readonly Policy[], assignments: readonly Assignment[]): void {
    const compiled = new Map(policies.map((policy) => [policy.name, compilePolicy(policy)]));
    const next = new Map<string, CompiledPolicy>();
    for (const assignment of assignments) {
      const policy = compiled.get(assignment.policy);
      if (policy) next.set(`${assignment.scope}:${assignment.value}`, policy);
    }
    this.byScope = next;
  }

  policyFor(keyId: string, team: string): CompiledPolicy | undefined {
    return this.byScope.get(`key:${keyId}`) ?? this.byScope.get(`team:${team}`) ??
      this.byScope.get("org:");
  }
}
