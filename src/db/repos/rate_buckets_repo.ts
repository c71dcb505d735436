/**
 * Rate-limit state shared through the database (migration 0013): token buckets per limit and
 * kind, and running requests per process. Each operation is one write transaction whose
 * condition and update are one statement, so processes never take more than a bucket holds.
 */
import type { Database } from "../client.ts";

export type BucketKind = "rpm" | "tpm";

const LEVEL = "MIN(?3, level + MAX(0, ?4 - updated_at) * ?3 / 60000.0)";
const CREATE = `INSERT INTO rate_buckets (limit_id, kind, level, updated_at)
  VALUES (?1, ?2, ?3, ?4) ON CONFLICT (limit_id, kind) DO NOTHING`;
const TAKE = `UPDATE rate_buckets SET level = ${LEVEL} - ?5, updated_at = MAX(updated_at, ?4)
  WHERE limit_id = ?1 AND kind = ?2 AND ${LEVEL} >= ?5`;
const CHARGE = `UPDATE rate_buckets SET level = ${LEVEL} - ?5, updated_at = MAX(updated_at, ?4)
  WHERE limit_id = ?1 AND kind = ?2`;
const READ = "SELECT level, updated_at FROM rate_buckets WHERE limit_id = ?1 AND kind = ?2";

/**
 * Takes `amount` from a bucket refilling `capacity` a minute (full when first used) if it holds
 * that much; whether it did.
 *
 * @example
 * await takeFromBucket(db, limitId, "rpm", 10, Date.now(), 1);
 */
export async function takeFromBucket(
  db: Database,
  limitId: string,
  kind: BucketKind,
  capacity: number,
  now: number,
  amount: number,
): Promise<boolean> {
  const args = [limitId, kind, capacity, now, amount];
  const [, taken] = await db.client.batch([
    { sql: CREATE, args: args.slice(0, 4) },
    { sql: TAKE, args },
  ], "write");
  return taken.rowsAffected === 1;
}

/** Takes `amount` whatever the bucket holds (it may go below zero); the stored level after. */
export async function chargeBucket(
  db: Database,
  limitId: string,
  kind: BucketKind,
  capacity: number,
  now: number,
  amount: number,
): Promise<{ level: number; updatedAt: number }> {
  const args = [limitId, kind, capacity, now, amount];
  const [, , read] = await db.client.batch([
    { sql: CREATE, args: args.slice(0, 4) },
    { sql: CHARGE, args },
    { sql: READ, args: args.slice(0, 2) },
  ], "write");
  return { level: Number(read.rows[0]?.level ?? 0), updatedAt: Number(read.rows[0]?.updated_at) };
}

/** The stored level and when it was last changed, or undefined for a bucket never used. */
export async function readBucket(
  db: Database,
  limitId: string,
  kind: BucketKind,
): Promise<{ level: number; updatedAt: number } | undefined> {
  const result = await db.client.execute({ sql: READ, args: [limitId, kind] });
  const row = result.rows[0];
  return row ? { level: Number(row.level), updatedAt: Number(row.updated_at) } : undefined;
}

/** Counts one more running request for `holder` if fewer than `max` run on live holders. */
export async function enterRunning(
  db: Database,
  limitId: string,
  holder: string,
  now: number,
  max: number,
  expiresAt: number,
): Promise<boolean> {
  const result = await db.client.execute({
    sql: `INSERT INTO rate_running (limit_id, holder, running, expires_at)
      SELECT ?1, ?2, 1, ?3 WHERE COALESCE((SELECT SUM(running) FROM rate_running
        WHERE limit_id = ?1 AND expires_at > ?4), 0) < ?5
      ON CONFLICT (limit_id, holder) DO UPDATE SET
        running = running + 1, expires_at = excluded.expires_at`,
    args: [limitId, holder, expiresAt, now, max],
  });
  return result.rowsAffected === 1;
}

export async function leaveRunning(db: Database, limitId: string, holder: string): Promise<void> {
  await db.client.execute({
    sql: "UPDATE rate_running SET running = MAX(running - 1, 0) WHERE limit_id = ? AND holder = ?",
    args: [limitId, holder],
  });
}

/** Keeps a holder's running counts alive until `expiresAt`. */
export async function renewRunning(db: Database, holder: string, expiresAt: number): Promise<void> {
  await db.client.execute({
    sql: "UPDATE rate_running SET expires_at = ? WHERE holder = ? AND running > 0",
    args: [expiresAt, holder],
  });
}
