/** `gw serve` as the supervisor of several worker processes (see worker_supervisor.ts). */
import type { Config } from "../config/schema.ts";
import { selfCommand, WorkerSupervisor } from "../server/worker_supervisor.ts";
import { openDatabase } from "../db/client.ts";
import { listProviders } from "../db/repos/providers_repo.ts";
import { printNextSteps } from "./serve.ts";

export async function supervise(
  config: Config,
  workers: number,
  migrationsApplied: number,
  created: readonly string[],
): Promise<void> {
  const supervisor = new WorkerSupervisor({
    workers,
    host: config.host,
    port: config.port,
    command: selfCommand(),
  });
  await supervisor.start();
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  console.log(
    `gw listening on http://${host}:${supervisor.port} (${workers} workers, database ${config.dbUrl}${
      migrationsApplied ? `, ${migrationsApplied} migrations applied` : ""
    })`,
  );
  const db = await openDatabase(config.dbUrl, config.dbAuthToken);
  printNextSteps(created, await listProviders(db));
  db.client.close();
  let stopping = false;
  const stop = async (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`gw: ${signal} received, every worker finishes its requests and flushes its log`);
    const clean = await supervisor.stop("SIGTERM");
    Deno.exit(clean ? 0 : 1);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  await new Promise(() => {});
}
