/** `gw usage`: spend and tokens grouped by team, project, user, model, key… */
import { Command } from "commander";
import type { UsageDimension } from "../db/repos/requests_repo.ts";
import { parseSince } from "./duration.ts";
import { printJson, printTable, splitList, toCsv, UsageError, usd } from "./output.ts";

const DIMENSIONS = [
  "team",
  "department",
  "project",
  "user",
  "model",
  "provider",
  "key",
  "env",
  "session",
  "day",
];

export function usageCommand(): Command {
  return new Command("usage")
    .description("Spend and tokens from the request log, grouped")
    .option("--by <dimensions>", `comma-separated: ${DIMENSIONS.join(", ")}`, "team")
    .option("--since <when>", "start: a duration back from now (30d) or a date", "30d")
    .option("--until <when>", "end: a duration back from now or a date (default now)")
    .option("--cache", "show prompt-cache hit ratio and the money caching saved per group")
    .option("--json", "print JSON")
    .option("--csv", "print CSV")
    .action(
      async (
        options: { by: string; since: string; until?: string; json?: boolean; csv?: boolean },
        command: Command,
      ) => {
        const by = splitList(options.by);
        const { isUsageDimension } = await import("../db/repos/requests_repo.ts");
        const unknown = by.filter((d) => !isUsageDimension(d));
        if (unknown.length) {
          throw new UsageError(
            `Unknown --by dimension ${unknown.join(", ")}: use ${DIMENSIONS.join(", ")}`,
          );
        }
        const since = parseSince(options.since);
        const until = options.until ? parseSince(options.until) : Date.now() + 1;
        const { withContext } = await import("./context.ts");
        const { usageBy } = await import("../db/repos/requests_repo.ts");
        await withContext(command, async ({ db }) => {
          const rows = await usageBy(db, by as UsageDimension[], since, until);
          if (options.json) {
            return printJson(rows.map((row) => ({ ...row.group, ...row, group: undefined })));
          }
          const headers = [
            ...by.map((d) => d.toUpperCase()),
            "REQUESTS",
            "ERRORS",
            "INPUT",
            "OUTPUT",
            "CACHE_WRITE",
            "CACHE_READ",
            "COST_USD",
            "ESTIMATED_USD",
          ];
          const cells = rows.map((row) => [
            ...by.map((d) => row.group[d]),
            row.requests,
            row.errors,
            row.inputTokens,
            row.outputTokens,
            row.cacheWriteTokens,
            row.cacheReadTokens,
            options.csv ? row.costUsd : usd(row.costUsd),
            options.csv
              ? row.estimatedCostUsd
              : row.estimatedCostUsd
              ? usd(row.estimatedCostUsd)
              : "",
          ]);
          if (options.csv) return console.log(toCsv(headers, cells));
          printTable(headers, cells);
          if (rows.some((row) => row.estimatedCostUsd > 0)) {
            console.log(
              "\nESTIMATED_USD: part of the cost used the fallback price (model without a known price).",
            );
          }
        });
      },
    );
}
