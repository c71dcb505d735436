/**
 * The admin token and master key: taken from config when given, else read from (or created
 * as) mode-0600 files in the data folder, so a first start needs no setup.
 */
import { generateKeySecret } from "../auth/key_secret.ts";
import { SecretBox } from "../crypto/secret_box.ts";
import { localDirectory } from "../db/client.ts";
import type { Config } from "./schema.ts";

export const MASTER_KEY_FILE = "gw.master.key";
export const ADMIN_TOKEN_FILE = "gw.admin.token";

export interface Secrets {
  masterKey: string;
  adminToken: string;
  /** Files created by this call, so `serve` can tell the operator about them. */
  created: string[];
}

export function dataDirectory(config: Config): string {
  return config.dataDir ?? localDirectory(config.dbUrl) ?? ".";
}

/** Loads both secrets, creating missing files when `create` is true. */
export async function loadSecrets(config: Config, create: boolean): Promise<Secrets> {
  const dir = dataDirectory(config);
  const created: string[] = [];
  const masterKey = config.masterKey ??
    await readOrCreate(`${dir}/${MASTER_KEY_FILE}`, SecretBox.generateMasterKey, create, created);
  const adminToken = config.adminToken ??
    await readOrCreate(
      `${dir}/${ADMIN_TOKEN_FILE}`,
      () => "gwadm_" + generateKeySecret().slice(3),
      create,
      created,
    );
  return { masterKey, adminToken, created };
}

async function readOrCreate(
  path: string,
  generate: () => string,
  create: boolean,
  created: string[],
): Promise<string> {
  try {
    const text = (await Deno.readTextFile(path)).trim();
    if (text) return text;
    // An empty token would match an empty bearer; an empty key would seal nothing.
    throw new Error(`${path} is empty: write a value into it, or delete it to have gw create one`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (!create) {
    throw new Error(
      `${path} does not exist: run \`gw serve\` once, or set the matching GW_* variable`,
    );
  }
  const value = generate();
  try {
    await Deno.writeTextFile(path, value + "\n", { mode: 0o600, createNew: true });
    created.push(path);
    return value;
  } catch (error) {
    // Another process created it first: use theirs.
    if (error instanceof Deno.errors.AlreadyExists) return (await Deno.readTextFile(path)).trim();
    throw error;
  }
}
