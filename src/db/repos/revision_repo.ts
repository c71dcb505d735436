/** The change counter that lets every instance notice key, team and provider changes. */
import type { InStatement } from "@libsql/client";
import type { Database } from "../client.ts";

export const bumpRevision: InStatement = "UPDATE revision SET value = value + 1 WHERE id = 1";

export async function readRevision(db: Database): Promise<number> {
  const result = await db.client.execute("SELECT value FROM revision WHERE id = 1");
  return Number(result.rows[0]?.value ?? 0);
}
