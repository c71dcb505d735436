/** `gw logs`: the newest requests, filtered, or a live tail with --follow. */
import { Command } from "commander";
import type { LogFilter } from "../db/repos/requests_repo.ts";
import type { RequestLog } from "../logging/request_log.ts";
import { parseSince } from "./duration.ts";
import { isoTime, UsageError } from "./output.ts";

function line(row: RequestLog): string {
  const tokens = `in=${row.inputTokens} out=${row.outputTokens} cw=${
    row.cacheWrite5mTokens + row.cacheWrite1hTokens
  } cr=${row.cacheReadTokens}`;
  return [
    isoTime(row.ts),
    row.status,
    row.endpoint,
    row.team ?? "-",
    row.user ?? "-",
    row.keyPrefix ?? "-",
    row.servedModel ?? row.requestedModel ?? "-",
    tokens,
    `$${row.costUsd.toFixed(6)}${row.costEstimated ? "~" : ""}`,
    `${row.latencyMs ?? "-"}ms`,
    row.errorType ? `${row.errorType}: ${row.errorMessage ?? ""}` : "",
  ].join("  ").trimEnd();
}

function parseStatus(text: string): Pick<LogFilter, "status" | "statusClass"> {
  const klass = /^([1-5])xx$/i.exec(text);
  if (klass) return { status: Number(klass[1]) * 100, statusClass: true };
  if (/^\d{3}$/.test(text)) return { status: Number(text) };
  throw new UsageError(`Invalid --status ${text}: use e.g. 429 or 4xx`);
}

export function logsCommand(): Command {
  return new Command("logs")
    .description("Show recent requests (no bodies), or follow new ones")
    .option("--follow", "keep printing new requests")
    .option("--team <team>", "only this team")
    .option("--key <key>", "only this key (id or prefix)")
    .option("--status <status>", "e.g. 429 or 4xx")
    .option("--since <when>", "only requests after this (30m, 2d, a date)")
    .option("--limit <n>", "how many", "50")
    .option("--json", "one JSON object per line")
    .action(
      async (
        options: {
          follow?: boolean;
          team?: string;
          key?: string;
          status?: string;
          since?: string;
          limit: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const { withContext } = await import("./context.ts");
        const { listRequests } = await import("../db/repos/requests_repo.ts");
        const { findKey } = await import("../db/repos/keys_repo.ts");
        const print = (row: RequestLog) =>
          console.log(options.json ? JSON.stringify(row) : line(row));
        await withContext(command, async ({ db }) => {
          const key = options.key ? await findKey(db, options.key) : undefined;
          if (options.key && !key) throw new Error(`No key matches ${options.key}`);
          const filter: LogFilter = {
            team: options.team,
            keyId: key?.id,
            ...(options.status ? parseStatus(options.status) : {}),
            sinceMs: options.since ? parseSince(options.since) : undefined,
            limit: Math.max(1, Number(options.limit) || 50),
          };
          const rows = (await listRequests(db, filter)).reverse();
          rows.forEach(print);
          if (!options.follow) return;
          let after = rows.at(-1)?.ts ?? Date.now() - 1;
          const seen = new Set(rows.filter((r) => r.ts === after).map((r) => r.id));
          for (;;) {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            const fresh = await listRequests(db, { ...filter, afterTs: after - 1, limit: 1000 });
            for (const row of fresh) {
              if (seen.has(row.id)) continue;
              print(row);
              if (row.ts > after) seen.clear();
              after = Math.max(after, row.ts);
              seen.add(row.id);
            }
          }
        });
      },
    );
}
