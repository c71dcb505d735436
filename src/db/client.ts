/**
 * Opens the database: an embedded libSQL file by default, or a libSQL server for several
 * instances. Local files get WAL and a busy timeout so the CLI and a running server can share
 * one file.
 */
import { createClient, type InStatement } from "@libsql/client";
import { LocalClient, type SqlClient } from "./local_client.ts";

export type { SqlClient };

const BUSY_TIMEOUT_MS = 5000;

export interface Database {
  client: SqlClient;
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
  if (!local) return { client: createClient({ url, authToken, intMode: "number" }), url, local };
  const client = new LocalClient(localPath(url));
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute("PRAGMA foreign_keys = ON");
  return { client, url, local };
}

/** `file:gw.db`, `file:/var/lib/gw/gw.db`, `file:///var/lib/gw/gw.db` or `:memory:`. */
function localPath(url: string): string {
  if (url === ":memory:") return url;
  const path = url.slice("file:".length).split("?")[0];
  return path.startsWith("///") ? path.slice(2) : path;
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
