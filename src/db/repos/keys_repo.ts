/** gw keys. Only hashes are stored; the secret exists in memory at creation and rotation. */
import type { Row } from "@libsql/client";
import { type Database, writeBatch } from "../client.ts";
import { newId } from "../ids.ts";
import { auditStatement } from "./audit_repo.ts";
import { capChainExpiryStatements, revokeChainStatements } from "./key_chain_repo.ts";
import { bumpRevision } from "./revision_repo.ts";

export interface KeyRecord {
  id: string;
  name: string | null;
  prefix: string;
  teamId: string;
  team: string;
  /** The team's parent team, if any. */
  department: string | null;
  user: string | null;
  project: string | null;
  env: string | null;
  tags: Record<string, string>;
  /** Model globs the key may use; empty means every model. */
  models: string[];
  /** Projects the key may be used for (bound or declared); empty means any project. */
  projects: string[];
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewKey {
  name: string | null;
  hash: string;
  prefix: string;
  teamId: string;
  user: string | null;
  project: string | null;
  env: string | null;
  tags: Record<string, string>;
  models: string[];
  projects: string[];
  expiresAt: number | null;
}

const SELECT_KEY = `SELECT k.id, k.name, k.prefix, k.team_id, t.name AS team, d.name AS department,
  k.user, k.project, k.env, k.tags, k.models, k.projects, k.expires_at, k.revoked_at, k.created_at, k.updated_at
  FROM keys k JOIN teams t ON t.id = k.team_id LEFT JOIN teams d ON d.id = t.parent_id`;

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function toKey(row: Row): KeyRecord {
  return {
    id: String(row.id),
    name: nullableString(row.name),
    prefix: String(row.prefix),
    teamId: String(row.team_id),
    team: String(row.team),
    department: nullableString(row.department),
    user: nullableString(row.user),
    project: nullableString(row.project),
    env: nullableString(row.env),
    tags: JSON.parse(String(row.tags)),
    models: JSON.parse(String(row.models)),
    projects: JSON.parse(String(row.projects)),
    expiresAt: nullableNumber(row.expires_at),
    revokedAt: nullableNumber(row.revoked_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function findKeyByHash(db: Database, hash: string): Promise<KeyRecord | undefined> {
  const result = await db.client.execute({ sql: `${SELECT_KEY} WHERE k.hash = ?`, args: [hash] });
  return result.rows[0] ? toKey(result.rows[0]) : undefined;
}

/** Finds a key by id, by display prefix, or by name (ids and prefixes win). */
export async function findKey(db: Database, ref: string): Promise<KeyRecord | undefined> {
  const result = await db.client.execute({
    sql: `${SELECT_KEY} WHERE k.id = ? OR k.prefix = ? OR k.name = ?
      ORDER BY (k.id = ?) DESC, (k.prefix = ?) DESC, k.created_at DESC LIMIT 2`,
    args: [ref, ref, ref, ref, ref],
  });
  if (result.rows.length > 1 && result.rows[0].id !== ref && result.rows[0].prefix !== ref) {
    throw new Error(`More than one key is named ${ref}: use its id or prefix`);
  }
  return result.rows[0] ? toKey(result.rows[0]) : undefined;
}

export async function listKeys(
  db: Database,
  filter: { teamId?: string; includeRevoked?: boolean } = {},
): Promise<KeyRecord[]> {
  const result = await db.client.execute({
    sql: `${SELECT_KEY} WHERE (? IS NULL OR k.team_id = ?) AND (? OR k.revoked_at IS NULL)
      ORDER BY k.created_at`,
    args: [filter.teamId ?? null, filter.teamId ?? null, filter.includeRevoked ? 1 : 0],
  });
  return result.rows.map(toKey);
}

export async function insertKey(db: Database, key: NewKey, actor: string): Promise<KeyRecord> {
  const now = Date.now();
  const id = newId("key", now);
  await writeBatch(db, [
    {
      sql: `INSERT INTO keys (id, name, hash, prefix, team_id, user, project, env, tags, models,
        projects, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        id,
        key.name,
        key.hash,
        key.prefix,
        key.teamId,
        key.user,
        key.project,
        key.env,
        JSON.stringify(key.tags),
        JSON.stringify(key.models),
        JSON.stringify(key.projects),
        key.expiresAt,
        now,
        now,
      ],
    },
    auditStatement(actor, "key.create", id, { prefix: key.prefix, teamId: key.teamId }, now),
    bumpRevision,
  ]);
  const created = await findKey(db, id);
  if (!created) throw new Error(`Key ${id} vanished after creation`);
  return created;
}

export interface KeyChanges {
  name?: string | null;
  user?: string | null;
  project?: string | null;
  env?: string | null;
  models?: string[];
  projects?: string[];
  expiresAt?: number | null;
  teamId?: string;
}

/** Applies only the fields present in `changes`. */
export async function updateKey(
  db: Database,
  key: KeyRecord,
  changes: KeyChanges,
  actor: string,
): Promise<KeyRecord> {
  const now = Date.now();
  const has = (field: keyof KeyChanges) => Object.hasOwn(changes, field) ? 1 : 0;
  await writeBatch(db, [
    {
      sql: `UPDATE keys SET
        name = CASE WHEN ? THEN ? ELSE name END,
        user = CASE WHEN ? THEN ? ELSE user END,
        project = CASE WHEN ? THEN ? ELSE project END,
        env = CASE WHEN ? THEN ? ELSE env END,
        models = CASE WHEN ? THEN ? ELSE models END,
        projects = CASE WHEN ? THEN ? ELSE projects END,
        expires_at = CASE WHEN ? THEN ? ELSE expires_at END,
        team_id = CASE WHEN ? THEN ? ELSE team_id END,
        updated_at = ?
        WHERE id = ?`,
      args: [
        has("name"),
        changes.name ?? null,
        has("user"),
        changes.user ?? null,
        has("project"),
        changes.project ?? null,
        has("env"),
        changes.env ?? null,
        has("models"),
        JSON.stringify(changes.models ?? []),
        has("projects"),
        JSON.stringify(changes.projects ?? []),
        has("expiresAt"),
        changes.expiresAt ?? null,
        has("teamId"),
        changes.teamId ?? null,
        now,
        key.id,
      ],
    },
    auditStatement(actor, "key.update", key.id, { fields: Object.keys(changes) }, now),
    // A shorter expiry reaches the keys its sign-ins minted; a longer one leaves them be.
    ...(typeof changes.expiresAt === "number"
      ? capChainExpiryStatements(
        { rootId: key.id, action: "key.update", actor, now },
        changes.expiresAt,
      )
      : []),
    bumpRevision,
  ]);
  return (await findKey(db, key.id))!;
}

/**
 * Revokes a key and every key Claude Code sign-ins minted from it, directly or down the chain.
 */
export async function revokeKey(db: Database, key: KeyRecord, actor: string): Promise<void> {
  const now = Date.now();
  await writeBatch(db, [
    {
      sql: "UPDATE keys SET revoked_at = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL",
      args: [now, now, key.id],
    },
    auditStatement(actor, "key.revoke", key.id, { prefix: key.prefix }, now),
    ...revokeChainStatements({ rootId: key.id, action: "key.revoke", actor, now }),
    bumpRevision,
  ]);
}

/**
 * Replaces the secret of a key record; spend history stays with the record. The keys its
 * sign-ins minted are revoked (down the chain) and its pending approvals void: whoever signed
 * in with the old secret signs in again.
 */
export async function rotateKey(
  db: Database,
  key: KeyRecord,
  secret: { hash: string; prefix: string },
  actor: string,
): Promise<KeyRecord> {
  const now = Date.now();
  await writeBatch(db, [
    {
      sql: "UPDATE keys SET hash = ?, prefix = ?, updated_at = ? WHERE id = ?",
      args: [secret.hash, secret.prefix, now, key.id],
    },
    auditStatement(actor, "key.rotate", key.id, { from: key.prefix, to: secret.prefix }, now),
    ...revokeChainStatements(
      { rootId: key.id, action: "key.rotate", actor, now },
      { rootPending: true },
    ),
    bumpRevision,
  ]);
  return (await findKey(db, key.id))!;
}
