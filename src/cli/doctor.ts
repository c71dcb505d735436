/** `gw doctor`: checks the database, the master key, each provider and the clock. */
import { Command } from "commander";
import { printJson, printTable } from "./output.ts";

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

const MAX_SKEW_MS = 5 * 60_000;

export function doctorCommand(): Command {
  return new Command("doctor")
    .description("Check the database, master key, providers and clock; exit 1 if anything fails")
    .option("--no-probe", "do not send test requests to providers")
    .option("--json", "print JSON")
    .action(async (options: { probe: boolean; json?: boolean }, command: Command) => {
      const { withContext } = await import("./context.ts");
      const { loadSecrets } = await import("../config/state_files.ts");
      const { SecretBox } = await import("../crypto/secret_box.ts");
      const { listProviders } = await import("../db/repos/providers_repo.ts");
      const { listRoutes } = await import("../db/repos/routes_repo.ts");
      const { providerFactory } = await import("../providers/registry.ts");
      const { testProvider } = await import("../providers/provider_probe.ts");
      const checks: Check[] = [];
      await withContext(command, async ({ config, db }) => {
        const started = performance.now();
        await db.client.execute("SELECT count(*) FROM keys");
        checks.push({
          check: "database",
          ok: true,
          detail: `${config.dbUrl} answers in ${
            (performance.now() - started).toFixed(1)
          } ms, schema current`,
        });
        let box: import("../crypto/secret_box.ts").SecretBox | undefined;
        try {
          const secrets = await loadSecrets(config, false);
          box = await SecretBox.fromMasterKey(secrets.masterKey);
          checks.push({
            check: "master key",
            ok: true,
            detail: config.masterKey ? "from GW_MASTER_KEY" : "from the key file",
          });
        } catch (error) {
          checks.push({ check: "master key", ok: false, detail: (error as Error).message });
        }
        const routes = await listRoutes(db);
        for (const record of await listProviders(db)) {
          const name = `provider ${record.name}`;
          if (!box) {
            checks.push({
              check: name,
              ok: false,
              detail: "cannot open its credential without the master key",
            });
            continue;
          }
          let secret: string;
          try {
            secret = await box.open(record.sealedSecret);
          } catch (error) {
            checks.push({ check: name, ok: false, detail: (error as Error).message });
            continue;
          }
          if (!options.probe) {
            checks.push({ check: name, ok: true, detail: "credential decrypts (not probed)" });
            continue;
          }
          const model = routes.flatMap((r) =>
            r.targets
          ).find((t) => t.provider === record.name && t.model)?.model ??
            (record.kind === "anthropic" ? "claude-haiku-4-5" : undefined);
          if (!model) {
            checks.push({
              check: name,
              ok: true,
              detail:
                `credential decrypts; not probed (no route names a model: gw providers test ${record.name} --model M)`,
            });
            continue;
          }
          const provider = providerFactory(record.kind)({
            name: record.name,
            baseUrl: record.baseUrl,
            config: record.config,
            secret,
          });
          const result = await testProvider(provider, model);
          checks.push({
            check: name,
            ok: result.ok,
            detail: result.ok
              ? `${model} answered in ${result.latencyMs} ms`
              : result.error ?? "failed",
          });
          if (result.serverDate) {
            const skew = Date.now() - result.serverDate;
            checks.push({
              check: "clock",
              ok: Math.abs(skew) < MAX_SKEW_MS,
              detail: `${Math.round(skew / 1000)} s off ${record.name}'s clock${
                Math.abs(skew) < MAX_SKEW_MS ? "" : ": fix NTP, request signing fails past 5 min"
              }`,
            });
          }
        }
      });
      if (options.json) printJson(checks);
      else {printTable(
          ["CHECK", "OK", "DETAIL"],
          checks.map((c) => [c.check, c.ok ? "ok" : "FAIL", c.detail]),
        );}
      if (checks.some((c) => !c.ok)) throw new Error("gw doctor found problems");
    });
}
