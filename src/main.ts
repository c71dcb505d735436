/**
 * The gw command line. `gw serve` runs the gateway; the other commands administer it. Command
 * bodies load their dependencies lazily so `gw --help` needs no permissions.
 */
import { Command, CommanderError } from "commander";
import { budgetsCommand, limitsCommand } from "./cli/budgets.ts";
import { doctorCommand } from "./cli/doctor.ts";
import { guardrailsCommand } from "./cli/guardrails.ts";
import { keysCommand } from "./cli/keys.ts";
import { logsCommand } from "./cli/logs.ts";
import { UsageError } from "./cli/output.ts";
import { providersCommand } from "./cli/providers.ts";
import { routesCommand } from "./cli/routes.ts";
import { serveCommand } from "./cli/serve.ts";
import { setupCommand } from "./cli/setup.ts";
import { teamsCommand } from "./cli/teams.ts";
import { usageCommand } from "./cli/usage.ts";
import { VERSION } from "./version.ts";

export function buildProgram(): Command {
  const program = new Command("gw")
    .description(
      "An LLM gateway for Claude Code: keys, budgets, logs and failover in front of Anthropic, Bedrock and Vertex",
    )
    .version(VERSION, "-V, --version")
    .option("--db <url>", "database URL (env GW_DB_URL; default file:gw.db)")
    .option("--config <file>", "JSON config file (env GW_CONFIG)")
    .option(
      "--dashboard",
      "live terminal dashboard (the local database, or a remote gw with --url)",
    )
    .option("--url <url>", "with --dashboard: a remote gw to read through its admin API")
    .option("--admin-token <token>", "with --url: the remote gw's admin token (env GW_ADMIN_TOKEN)")
    .showHelpAfterError()
    .exitOverride()
    .action(
      async (
        options: { dashboard?: boolean; url?: string; adminToken?: string },
        command: Command,
      ) => {
        if (!options.dashboard) return command.help();
        const { runDashboard } = await import("../tui/dashboard.ts");
        if (options.url) {
          const { remoteSource } = await import("../tui/sources.ts");
          const token = options.adminToken ?? Deno.env.get("GW_ADMIN_TOKEN");
          if (!token) throw new UsageError("--url needs --admin-token or GW_ADMIN_TOKEN");
          return runDashboard(remoteSource(options.url, token));
        }
        const { withContext } = await import("./cli/context.ts");
        const { localSource } = await import("../tui/sources.ts");
        await withContext(
          command,
          ({ db, config }) => runDashboard(localSource(db, config.budgets.timeZone)),
        );
      },
    );
  for (
    const command of [
      serveCommand(),
      keysCommand(),
      teamsCommand(),
      providersCommand(),
      routesCommand(),
      guardrailsCommand(),
      budgetsCommand(),
      limitsCommand(),
      usageCommand(),
      logsCommand(),
      setupCommand(),
      doctorCommand(),
    ]
  ) {
    program.addCommand(command);
  }
  // Every subcommand exits through the same path so codes stay 0/1/2.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Exit codes: 0 ok, 1 failure, 2 usage error. */
export async function main(args: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
