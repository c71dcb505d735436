/**
 * Opens the database: an embedded libSQL file by default, or a libSQL server for several
 * instances. Local files get WAL and a busy timeout so the CLI and a running server can share
 * one file.
 */
import { type Client, createClient, type InStatement } from "@libsql/client";

export type { Client };

const BUSY_TIMEOUT_MS = 5000;

export interface Database {
  client: Client;
  url: string;
  /** True for `file:` URLs: one machine, pragmas apply, key files may live beside it. */
  local: boolean;
}

/**
 * @example
 * const db = await openDatabase("file:gw.db");
 * await db.client.execute("SELECT 1");
 */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const local = url.startsWith("file:") || url === ":memory:";
  const client = createClient({ url, authToken, intMode: "number" });
  if (local) {
    await client.execute("PRAGMA journal_mode = WAL");
    await applyConnectionPragmas(client);
  }
  return { client, url, local };
}

/**
 * Per-connection pragmas. `@libsql/client` opens a fresh connection after `transaction()`, which
 * drops them, so callers use `writeBatch` instead of interactive transactions.
 */
async function applyConnectionPragmas(client: Client): Promise<void> {
  await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute("PRAGMA foreign_keys = ON");
}

/**
 * Runs statements atomically as a write transaction. Starting as a writer avoids
 * `SQLITE_BUSY_SNAPSHOT`, which a busy timeout never retries.
 */
export async function writeBatch(db: Database, statements: InStatement[]): Promise<void> {
  await db.client.batch(statements, "write");
}

/** The directory of a `file:` URL, where key files live by default. */
export function localDirectory(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = url.slice("file:".length).split("?")[0];
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "." : path.slice(0, slash) || "/";
}
