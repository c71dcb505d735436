/**
 * What every command that touches data needs: the config and a migrated database. Loaded
 * lazily so `gw --help` runs without permissions or a native driver.
 */
import type { Command } from "commander";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";

export interface CliContext {
  config: Config;
  db: Database;
  /** Who the audit log names for this action. */
  actor: string;
}

export interface GlobalOptions {
  db?: string;
  config?: string;
}

export async function openContext(command: Command): Promise<CliContext> {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const config = await loadConfig({ file: globals.config, flags: { dbUrl: globals.db } });
  const db = await openDatabase(config.dbUrl, config.dbAuthToken);
  await migrate(db);
  const user = Deno.env.get("SUDO_USER") ?? Deno.env.get("USER") ?? "unknown";
  return { config, db, actor: `cli:${user}` };
}

/** Runs a command body with a context and always closes the database. */
export async function withContext<T>(
  command: Command,
  body: (context: CliContext) => Promise<T>,
): Promise<T> {
  const context = await openContext(command);
  try {
    return await body(context);
  } finally {
    context.db.client.close();
  }
}
