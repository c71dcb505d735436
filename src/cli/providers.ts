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
  json?: boolean;
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
    .description("Register a provider account (kinds: anthropic)")
    .argument("<kind>", "provider kind: anthropic")
    .requiredOption("--name <name>", "a name for this account, e.g. anthropic-main")
    .option(
      "--base-url <url>",
      "send requests here instead of the provider's public API (egress proxy, test server)",
    )
    .option("--api-key-env <var>", "read the API key from this environment variable")
    .option("--api-key-stdin", "read the API key from standard input")
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
      const credential = await readCredential(options);
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
          config: {},
          sealedSecret: await box.seal(credential),
        }, actor);
        if (options.json) return printJson(view(record));
        console.log(
          `Added ${kind} provider ${record.name}. Running gw instances pick it up within a second.`,
        );
      });
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
