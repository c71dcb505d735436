/** Applies pending migrations in order, each in its own write transaction. */
import type { Database } from "./client.ts";
import { type Migration, MIGRATIONS } from "./migrations/index.ts";

/** Returns the versions it applied. Safe when two instances start at once. */
export async function migrate(db: Database, migrations = MIGRATIONS): Promise<number[]> {
  await db.client.execute(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    if (await isApplied(db, migration)) continue;
    try {
      await db.client.batch([
        ...splitStatements(migration.sql),
        {
          sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          args: [migration.version, migration.name, Date.now()],
        },
      ], "write");
      applied.push(migration.version);
    } catch (error) {
      // Another instance applied it between our check and our write.
      if (await isApplied(db, migration)) continue;
      throw new Error(`Migration ${migration.version} (${migration.name}) failed: ${error}`);
    }
  }
  return applied;
}

async function isApplied(db: Database, migration: Migration): Promise<boolean> {
  const result = await db.client.execute({
    sql: "SELECT 1 FROM schema_migrations WHERE version = ?",
    args: [migration.version],
  });
  return result.rows.length > 0;
}

/** Splits a migration into statements; migrations contain no `;` inside literals or triggers. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((statement) =>
      statement.split("\n").filter((line) => !line.trim().startsWith("--")).join("\n").trim()
    )
    .map((statement) => statement.replace(/;$/, ""))
    .filter((statement) => statement.length > 0);
}
