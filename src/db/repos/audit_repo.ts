/** Admin actions, one row each, so "who revoked this key?" has an answer. */
import type { InStatement } from "@libsql/client";
import type { Database } from "../client.ts";

export interface AuditEntry {
  ts: number;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
}

export function auditStatement(
  actor: string,
  action: string,
  target: string | null,
  detail: Record<string, unknown> = {},
  now = Date.now(),
): InStatement {
  return {
    sql: "INSERT INTO audit_log (ts, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
    args: [now, actor, action, target, JSON.stringify(detail)],
  };
}

export async function listAudit(db: Database, limit: number): Promise<AuditEntry[]> {
  const result = await db.client.execute({
    sql: "SELECT ts, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?",
    args: [limit],
  });
  return result.rows.map((row) => ({
    ts: Number(row.ts),
    actor: String(row.actor),
    action: String(row.action),
    target: row.target === null ? null : String(row.target),
    detail: JSON.parse(String(row.detail)),
  }));
}
