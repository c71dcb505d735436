/** Provider records. The credential is stored sealed and never leaves this layer in clear. */
import type { Row } from "@libsql/client";
import { type Database, writeBatch } from "../client.ts";
import { newId } from "../ids.ts";
import { auditStatement } from "./audit_repo.ts";
import { bumpRevision } from "./revision_repo.ts";

export interface ProviderRecord {
  id: string;
  name: string;
  kind: string;
  baseUrl: string | null;
  config: Record<string, unknown>;
  /** The sealed credential: `SecretBox.open` it to use it. */
  sealedSecret: string;
  createdAt: number;
}

function toProvider(row: Row): ProviderRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    kind: String(row.kind),
    baseUrl: row.base_url === null ? null : String(row.base_url),
    config: JSON.parse(String(row.config)),
    sealedSecret: String(row.secret),
    createdAt: Number(row.created_at),
  };
}

const SELECT_PROVIDER =
  "SELECT id, name, kind, base_url, config, secret, created_at FROM providers";

export async function listProviders(db: Database): Promise<ProviderRecord[]> {
  const result = await db.client.execute(`${SELECT_PROVIDER} ORDER BY created_at, name`);
  return result.rows.map(toProvider);
}

export async function findProvider(
  db: Database,
  name: string,
): Promise<ProviderRecord | undefined> {
  const result = await db.client.execute({
    sql: `${SELECT_PROVIDER} WHERE name = ?`,
    args: [name],
  });
  return result.rows[0] ? toProvider(result.rows[0]) : undefined;
}

export async function insertProvider(
  db: Database,
  input: Omit<ProviderRecord, "id" | "createdAt">,
  actor: string,
): Promise<ProviderRecord> {
  const now = Date.now();
  const id = newId("prov", now);
  await writeBatch(db, [
    {
      sql: `INSERT INTO providers (id, name, kind, base_url, config, secret, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        id,
        input.name,
        input.kind,
        input.baseUrl,
        JSON.stringify(input.config),
        input.sealedSecret,
        now,
        now,
      ],
    },
    auditStatement(actor, "provider.add", id, { name: input.name, kind: input.kind }, now),
    bumpRevision,
  ]);
  return (await findProvider(db, input.name))!;
}

export async function removeProvider(db: Database, record: ProviderRecord, actor: string) {
  await writeBatch(db, [
    { sql: "DELETE FROM providers WHERE id = ?", args: [record.id] },
    auditStatement(actor, "provider.remove", record.id, { name: record.name }),
    bumpRevision,
  ]);
}
