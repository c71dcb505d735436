/** `gw providers`: register upstream accounts. Credentials go in sealed and never come out. */
import { Command } from "commander";
import { isoTime, printJson, printTable, UsageError } from "./output.ts";

const context = () => import("./context.ts");
const repo = () => import("../db/repos/providers_repo.ts");

interface AddOptions {
  name: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  apiKeyStdin?: boolean;
  region?: string;
  accessKeyIdEnv?: string;
  secretAccessKeyEnv?: string;
  sessionTokenEnv?: string;
  bearerTokenEnv?: string;
  dropFields?: string;
  project?: string;
  credentialsFile?: string;
  tokenUrl?: string;
  json?: boolean;
}

function fromEnv(variable: string, flag: string): string {
  const value = Deno.env.get(variable)?.trim();
  if (!value) throw new UsageError(`${flag}: environment variable ${variable} is empty or not set`);
  return value;
}

/** The credential and settings each kind needs, checked before anything is stored. */
async function kindSettings(
  kind: string,
  options: AddOptions,
): Promise<{ secret: string; config: Record<string, unknown> }> {
  switch (kind) {
    case "anthropic":
      return { secret: await readCredential(options), config: {} };
    case "bedrock": {
      if (!options.region) throw new UsageError("bedrock needs --region");
      const config = {
        region: options.region,
        ...(options.dropFields
          ? { dropFields: options.dropFields.split(",").map((f) => f.trim()) }
          : {}),
      };
      if (options.bearerTokenEnv) {
        return {
          secret: JSON.stringify({
            bearerToken: fromEnv(options.bearerTokenEnv, "--bearer-token-env"),
          }),
          config,
        };
      }
      if (!options.accessKeyIdEnv || !options.secretAccessKeyEnv) {
        throw new UsageError(
          "bedrock needs --access-key-id-env and --secret-access-key-env, or --bearer-token-env",
        );
      }
      return {
        secret: JSON.stringify({
          accessKeyId: fromEnv(options.accessKeyIdEnv, "--access-key-id-env"),
          secretAccessKey: fromEnv(options.secretAccessKeyEnv, "--secret-access-key-env"),
          ...(options.sessionTokenEnv
            ? { sessionToken: fromEnv(options.sessionTokenEnv, "--session-token-env") }
            : {}),
        }),
        config,
      };
    }
    case "vertex": {
      if (!options.project || !options.region || !options.credentialsFile) {
        throw new UsageError("vertex needs --project, --region and --credentials-file");
      }
      const text = await Deno.readTextFile(options.credentialsFile);
      let account: Record<string, unknown>;
      try {
        account = JSON.parse(text);
      } catch {
        throw new UsageError(`${options.credentialsFile} is not JSON`);
      }
      if (typeof account.client_email !== "string" || typeof account.private_key !== "string") {
        throw new UsageError(
          `${options.credentialsFile} is not a service account key (no client_email/private_key)`,
        );
      }
      return {
        secret: text,
        config: {
          project: options.project,
          region: options.region,
          ...(options.tokenUrl ? { tokenUrl: options.tokenUrl } : {}),
        },
      };
    }
    default:
      throw new UsageError(`Unknown provider kind ${kind}`);
  }
}

/** Reads the credential from the named variable or stdin, never from argv (shell history). */
async function readCredential(options: AddOptions): Promise<string> {
  if (options.apiKeyEnv && options.apiKeyStdin) {
    throw new UsageError("Give either --api-key-env or --api-key-stdin, not both");
  }
  if (options.apiKeyEnv) {
    const value = Deno.env.get(options.apiKeyEnv)?.trim();
    if (!value) {
      throw new UsageError(`Environment variable ${options.apiKeyEnv} is empty or not set`);
    }
    return value;
  }
  if (options.apiKeyStdin) {
    const value = (await new Response(Deno.stdin.readable).text()).trim();
    if (!value) throw new UsageError("No API key on standard input");
    return value;
  }
  throw new UsageError("Give the credential with --api-key-env VAR or --api-key-stdin");
}

function view(
  record: { id: string; name: string; kind: string; baseUrl: string | null; createdAt: number },
) {
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    baseUrl: record.baseUrl,
    createdAt: isoTime(record.createdAt),
  };
}

export function providersCommand(): Command {
  const providers = new Command("providers").description("Manage upstream providers");

  providers.command("add")
    .description("Register a provider account: anthropic, bedrock or vertex")
    .argument("<kind>", "anthropic, bedrock or vertex")
    .requiredOption("--name <name>", "a name for this account, e.g. anthropic-main")
    .option(
      "--base-url <url>",
      "send requests here instead of the provider's public API (egress proxy, test server)",
    )
    .option("--api-key-env <var>", "anthropic: read the API key from this environment variable")
    .option("--api-key-stdin", "anthropic: read the API key from standard input")
    .option(
      "--region <region>",
      "bedrock: AWS region; vertex: location (global, us, eu or a region)",
    )
    .option("--access-key-id-env <var>", "bedrock: variable holding the access key id")
    .option("--secret-access-key-env <var>", "bedrock: variable holding the secret access key")
    .option(
      "--session-token-env <var>",
      "bedrock: variable holding a session token (temporary credentials)",
    )
    .option(
      "--bearer-token-env <var>",
      "bedrock: variable holding a Bedrock API key, instead of SigV4",
    )
    .option(
      "--drop-fields <fields>",
      "bedrock: extra top-level body fields to remove, comma-separated",
    )
    .option("--project <project>", "vertex: Google Cloud project id")
    .option("--credentials-file <file>", "vertex: service account key JSON (stored encrypted)")
    .option("--token-url <url>", "vertex: OAuth token endpoint (default the one in the key file)")
    .option("--json", "print JSON")
    .action(async (kind: string, options: AddOptions, command: Command) => {
      const { PROVIDER_FACTORIES } = await import("../providers/registry.ts");
      if (!PROVIDER_FACTORIES[kind]) {
        throw new UsageError(
          `Unknown provider kind ${kind}: choose one of ${
            Object.keys(PROVIDER_FACTORIES).join(", ")
          }`,
        );
      }
      if (options.baseUrl && !/^https?:\/\/[^\s]+$/.test(options.baseUrl)) {
        throw new UsageError(`Invalid --base-url ${options.baseUrl}: give an http(s) URL`);
      }
      const { secret: credential, config: providerConfig } = await kindSettings(kind, options);
      const { withContext } = await context();
      const { findProvider, insertProvider } = await repo();
      const { loadSecrets } = await import("../config/state_files.ts");
      const { SecretBox } = await import("../crypto/secret_box.ts");
      await withContext(command, async ({ config, db, actor }) => {
        if (await findProvider(db, options.name)) {
          throw new Error(`Provider ${options.name} already exists`);
        }
        const box = await SecretBox.fromMasterKey((await loadSecrets(config, true)).masterKey);
        const record = await insertProvider(db, {
          name: options.name,
          kind,
          baseUrl: options.baseUrl ?? null,
          config: providerConfig,
          sealedSecret: await box.seal(credential),
        }, actor);
        if (options.json) return printJson(view(record));
        console.log(
          `Added ${kind} provider ${record.name}. Running gw instances pick it up within a second.`,
        );
      });
    });

  providers.command("test")
    .description("Send a one-token request through a provider and report latency or the error")
    .argument("<name>", "provider name")
    .option("--model <model>", "upstream model id to ask (default claude-haiku-4-5 for anthropic)")
    .option("--json", "print JSON")
    .action(async (name: string, options: { model?: string; json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { findProvider } = await repo();
      const { loadSecrets } = await import("../config/state_files.ts");
      const { SecretBox } = await import("../crypto/secret_box.ts");
      const { providerFactory } = await import("../providers/registry.ts");
      const { testProvider } = await import("../providers/provider_probe.ts");
      const result = await withContext(command, async ({ config, db }) => {
        const record = await findProvider(db, name);
        if (!record) throw new Error(`Provider ${name} does not exist`);
        const box = await SecretBox.fromMasterKey((await loadSecrets(config, false)).masterKey);
        const provider = providerFactory(record.kind)({
          name: record.name,
          baseUrl: record.baseUrl,
          config: record.config,
          secret: await box.open(record.sealedSecret),
        });
        const model = options.model ??
          (record.kind === "anthropic" ? "claude-haiku-4-5" : undefined);
        if (!model) {
          throw new UsageError(
            `Give --model with the upstream model id to test ${record.kind} provider ${name}`,
          );
        }
        return await testProvider(provider, model);
      });
      if (options.json) printJson(result);
      else if (result.ok) {
        console.log(`${name}: OK in ${result.latencyMs} ms (HTTP ${result.status})`);
      } else console.log(`${name}: FAILED after ${result.latencyMs} ms: ${result.error}`);
      if (!result.ok) throw new Error(`Provider ${name} failed its test`);
    });

  providers.command("list")
    .description("List providers (credentials are never shown)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { listProviders } = await repo();
      await withContext(command, async ({ db }) => {
        const all = (await listProviders(db)).map(view);
        if (options.json) return printJson(all);
        printTable(
          ["NAME", "KIND", "BASE URL", "CREATED"],
          all.map((p) => [p.name, p.kind, p.baseUrl ?? "(default)", p.createdAt]),
        );
      });
    });

  providers.command("remove")
    .description("Remove a provider")
    .argument("<name>", "provider name")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { withContext } = await context();
      const { findProvider, removeProvider } = await repo();
      await withContext(command, async ({ db, actor }) => {
        const record = await findProvider(db, name);
        if (!record) throw new Error(`Provider ${name} does not exist`);
        await removeProvider(db, record, actor);
        console.log(`Removed provider ${name}`);
      });
    });
  return providers;
}
