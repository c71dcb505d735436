/**
 * Builds the config from, in rising precedence: defaults, a JSON file (`--config` or
 * `GW_CONFIG`), `GW_*` environment variables, and command-line flags.
 */
import { z } from "zod";
import { type Config, configSchema } from "./schema.ts";

const ENV_SETTINGS: Record<string, { key: keyof Config; number?: boolean }> = {
  GW_HOST: { key: "host" },
  GW_PORT: { key: "port", number: true },
  GW_DB_URL: { key: "dbUrl" },
  GW_DB_AUTH_TOKEN: { key: "dbAuthToken" },
  GW_DATA_DIR: { key: "dataDir" },
  GW_MASTER_KEY: { key: "masterKey" },
  GW_ADMIN_TOKEN: { key: "adminToken" },
  GW_MAX_BODY_BYTES: { key: "maxBodyBytes", number: true },
  GW_WORKERS: { key: "workers", number: true },
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * @example
 * const config = await loadConfig({ flags: { port: 9000 } });
 */
export async function loadConfig(
  options: {
    file?: string;
    env?: Record<string, string | undefined>;
    flags?: Partial<Config>;
  } = {},
): Promise<Config> {
  const env = options.env ?? Deno.env.toObject();
  const file = options.file ?? env.GW_CONFIG;
  const fromFile = file ? await readConfigFile(file) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(ENV_SETTINGS)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    fromEnv[setting.key] = setting.number ? Number(value) : value;
  }
  const flags = Object.fromEntries(
    Object.entries(options.flags ?? {}).filter(([, value]) => value !== undefined),
  );
  return parseConfig({ ...fromFile, ...fromEnv, ...flags }, file ?? "settings");
}

export function parseConfig(input: unknown, source: string): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`Invalid config in ${source}:\n${describeIssues(result.error)}`);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) =>
      `  ${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`
    )
    .join("\n");
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}
