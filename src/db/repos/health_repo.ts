/**
 * The write probe behind `/readyz`: one tiny committed write, the only test of "can this
 * instance record" that holds everywhere. File modes cannot answer it (root writes through
 * them), `PRAGMA query_only` only reports this connection's own switch, and a read-only mount,
 * a file opened read-only or a full disk show up only when a write is tried.
 */
import { type Database, writeBatch } from "../client.ts";

/**
 * Overwrites the single row of `health_probe`, creating the table on first use. It is not a
 * migration: it holds nothing and nothing reads it, so an older gw sharing the DB never minds.
 *
 * @example
 * await probeWrite(db); // rejects with SQLITE_READONLY on a read-only database
 */
export async function probeWrite(db: Database, now = Date.now()): Promise<void> {
  await writeBatch(db, [
    `CREATE TABLE IF NOT EXISTS health_probe (
      id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL)`,
    {
      sql: `INSERT INTO health_probe (id, checked_at) VALUES (1, ?)
        ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
      args: [now],
    },
  ]);
}
