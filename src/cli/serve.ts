/**
 * `gw serve`: runs the gateway until SIGINT/SIGTERM, then drains and flushes. With several
 * workers this process supervises them (worker_supervisor.ts) and each worker, started with
 * `GW_WORKER` set, runs the gateway on the shared port.
 */
import { Command } from "commander";
import type { GlobalOptions } from "./context.ts";
import { UsageError } from "./output.ts";

interface ServeOptions {
  host?: string;
  port?: string;
  workers?: string;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description(
      "Run the gateway (env: GW_HOST, GW_PORT, GW_DB_URL, GW_MASTER_KEY, GW_ADMIN_TOKEN)",
    )
    .option("--host <host>", "address to listen on (default 0.0.0.0)")
    .option("--port <port>", "port to listen on (default 8787)")
    .option(
      "--workers <n>",
      "worker processes on that port (env GW_WORKERS; default one per CPU core; 1 runs in this process)",
    )
    .action(async (options: ServeOptions, command: Command) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
        throw new UsageError(`Invalid --port ${options.port}`);
      }
      const workers = options.workers === undefined ? undefined : Number(options.workers);
      if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 256)) {
        throw new UsageError(`Invalid --workers ${options.workers}: a whole number from 1 to 256`);
      }
      const globals = command.optsWithGlobals() as GlobalOptions & { dashboard?: boolean };
      const workerIndex = Deno.env.get("GW_WORKER");
      const { loadConfig } = await import("../config/load.ts");
      const { loadSecrets } = await import("../config/state_files.ts");
      const { openDatabase } = await import("../db/client.ts");
      const { migrate } = await import("../db/migrate.ts");
      const { Gateway } = await import("../server/gateway.ts");
      const { listProviders } = await import("../db/repos/providers_repo.ts");

      const config = await loadConfig({
        file: globals.config,
        flags: {
          host: options.host,
          port: workerIndex === undefined ? port : Number(Deno.env.get("GW_WORKER_PORT")),
          dbUrl: globals.db,
          workers,
        },
      });
      // The dashboard draws this process's view: beside it, one worker unless asked otherwise.
      const processes = config.workers || (globals.dashboard ? 1 : navigator.hardwareConcurrency);
      if (workerIndex === undefined && processes > 1 && globals.dashboard) {
        throw new UsageError("--dashboard beside serve needs --workers 1");
      }
      const db = await openDatabase(config.dbUrl, config.dbAuthToken);
      const applied = await migrate(db);
      const secrets = await loadSecrets(config, true);
      if (workerIndex === undefined && processes > 1) {
        db.client.close();
        const { supervise } = await import("./serve_workers.ts");
        return await supervise(config, processes, applied.length, secrets.created);
      }
      let worker: import("../server/worker_link.ts").WorkerLink | undefined;
      if (workerIndex !== undefined) {
        const { WorkerLink } = await import("../server/worker_link.ts");
        worker = new WorkerLink(Number(workerIndex));
      }
      const gateway = await Gateway.create({
        config,
        db,
        masterKey: secrets.masterKey,
        adminToken: secrets.adminToken,
        worker,
      });
      await gateway.start();

      console.log(
        `gw listening on ${gateway.url} (database ${config.dbUrl}${
          applied.length ? `, ${applied.length} migrations applied` : ""
        })`,
      );
      if (worker) {
        void worker.follow(Deno.stdin.readable, () => void stop("supervisor gone"));
      }
      if (!worker) await printNextSteps(secrets.created, await listProviders(db));

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`gw: ${signal} received, finishing in-flight requests and flushing the log`);
        await gateway.stop();
        db.client.close();
        Deno.exit(0);
      };
      Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
      Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
      // `--dashboard` is the root option; commander accepts it after `serve` too.
      if (globals.dashboard) {
        const { runDashboard } = await import("../../tui/dashboard.ts");
        const { localSource } = await import("../../tui/sources.ts");
        await runDashboard(
          localSource(db, config.budgets.timeZone, () => gateway.breakers.snapshot()),
        );
        await stop("q");
      }
      await new Promise(() => {});
    });
}

/** What the first start created, and what to do next when no provider is set up yet. */
export function printNextSteps(created: readonly string[], providers: readonly unknown[]): void {
  for (const file of created) {
    const role = file.endsWith("master.key")
      ? "it decrypts stored provider credentials"
      : "it guards the admin API and /metrics";
    console.log(`Created ${file} (mode 0600): keep it safe; ${role}.`);
  }
  if (providers.length === 0) {
    console.log(
      "No provider yet. Add one:\n  ANTHROPIC_API_KEY=sk-ant-… gw providers add anthropic --name anthropic --api-key-env ANTHROPIC_API_KEY",
    );
    console.log(
      "Then a team and a key:\n  gw teams create platform\n  gw keys create --team platform --user you",
    );
  }
}
