/** `gw routes`: which provider and upstream model serve which client model names. */
import { Command } from "commander";
import { formatTarget, parseCondition, parseTarget } from "../routing/route.ts";
import { printJson, printTable, splitList, UsageError } from "./output.ts";

const context = () => import("./context.ts");
const repo = () => import("../db/repos/routes_repo.ts");

export function routesCommand(): Command {
  const routes = new Command("routes").description("Model routing, failover and load balancing");

  routes.command("set")
    .description("Route a model glob to ordered targets PROVIDER[:UPSTREAM_MODEL][@WEIGHT],…")
    .argument("<model-glob>", "client model name or glob, e.g. 'claude-opus-*' or '*haiku*'")
    .requiredOption(
      "--targets <targets>",
      "e.g. anthropic-main,bedrock-us:us.anthropic.claude-opus-4-1-20250805-v1:0",
    )
    .option(
      "--strategy <strategy>",
      "fallback (in order) or loadbalance (by weight, then fallback)",
      "fallback",
    )
    .option("--team <team>", "only for this team's requests")
    .option(
      "--when <name=value>",
      "only for requests with this project, env, user, department or tag (e.g. env=prod)",
    )
    .option("--json", "print JSON")
    .action(
      async (
        modelGlob: string,
        options: {
          targets: string;
          strategy: string;
          team?: string;
          when?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        if (options.strategy !== "fallback" && options.strategy !== "loadbalance") {
          throw new UsageError("--strategy must be fallback or loadbalance");
        }
        let targets;
        let condition = "";
        try {
          targets = splitList(options.targets).map(parseTarget);
          if (options.when !== undefined) condition = parseCondition(options.when);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        if (targets.length === 0) throw new UsageError("--targets needs at least one target");
        const { withContext } = await context();
        const { upsertRoute } = await repo();
        const { listProviders } = await import("../db/repos/providers_repo.ts");
        await withContext(command, async ({ db, actor }) => {
          const known = new Set((await listProviders(db)).map((p) => p.name));
          const missing = targets.filter((t) => !known.has(t.provider)).map((t) => t.provider);
          if (missing.length) {
            throw new Error(`Unknown provider ${missing.join(", ")}: see \`gw providers list\``);
          }
          const route = await upsertRoute(db, {
            modelGlob,
            team: options.team ?? "",
            condition,
            strategy: options.strategy as "fallback",
            targets,
          }, actor);
          if (options.json) return printJson(route);
          console.log(
            `Route ${modelGlob}${route.team ? ` (team ${route.team})` : ""}${
              route.condition ? ` (when ${route.condition})` : ""
            }: ${route.strategy} → ${route.targets.map(formatTarget).join(", ")}`,
          );
        });
      },
    );

  routes.command("list")
    .description("List routes; models without a route go unchanged to the first provider")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { withContext } = await context();
      const { listRoutes } = await repo();
      await withContext(command, async ({ db }) => {
        const all = await listRoutes(db);
        if (options.json) return printJson(all);
        printTable(
          ["MODEL", "TEAM", "WHEN", "STRATEGY", "TARGETS"],
          all.map((
            r,
          ) => [
            r.modelGlob,
            r.team || "(all)",
            r.condition || "(always)",
            r.strategy,
            r.targets.map(formatTarget).join(", "),
          ]),
        );
      });
    });

  routes.command("remove")
    .description("Remove a route")
    .argument("<model-glob>", "the route's model glob")
    .option("--team <team>", "the team the route is for")
    .option("--when <name=value>", "the route's condition")
    .action(
      async (modelGlob: string, options: { team?: string; when?: string }, command: Command) => {
        const { withContext } = await context();
        const { removeRoute } = await repo();
        await withContext(command, async ({ db, actor }) => {
          const scope = { modelGlob, team: options.team ?? "", condition: options.when ?? "" };
          if (!(await removeRoute(db, scope, actor))) {
            throw new Error(`No route ${modelGlob}`);
          }
          console.log(`Removed route ${modelGlob}`);
        });
      },
    );
  return routes;
}
