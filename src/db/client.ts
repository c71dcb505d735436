/**
 * Opens the database: an embedded libSQL file by default, or a libSQL server for several
 * instances. Local files get WAL and a busy timeout so the CLI and a running server can share
 * one file.
 */
import { createClient, type InStatement } from "@libsql/client";
import { type FileIdentity, fileIdentity } from "./file_identity.ts";
import { LocalClient, type SqlClient } from "./local_client.ts";

export type { SqlClient };

const BUSY_TIMEOUT_MS = 5000;

export interface Database {
  client: SqlClient;
  url: string;
  /** True for `file:` URLs: one machine, pragmas apply, key files may live beside it. */
  local: boolean;
  /** For a local file: its path and the identity it had when opened, to notice a swap. */
  file?: { path: string; identity: FileIdentity };
}

/**
 * @example
 * const db = await openDatabase("file:gw.db");
 * await db.client.execute("SELECT 1");
 */
export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const local = url.startsWith("file:") || url === ":memory:";
  if (!local) return { client: createClient({ url, authToken, intMode: "number" }), url, local };
  const path = localPath(url);
  if (path !== ":memory:") await createPrivately(path);
  const client = new LocalClient(path);
  const identity = path === ":memory:" ? undefined : await fileIdentity(path);
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute("PRAGMA foreign_keys = ON");
  return { client, url, local, file: identity && { path, identity } };
}

/**
 * Creates a missing database file readable by its owner only. SQLite would create it 0644,
 * and it gives the `-wal` and `-shm` files it creates later the database file's mode.
 */
async function createPrivately(path: string): Promise<void> {
  try {
    (await Deno.open(path, { write: true, createNew: true, mode: 0o600 })).close();
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
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
