/** The dashboard as text, sized to the terminal: pure, so tests and the plain mode share it. */
import type { Snapshot } from "./snapshot.ts";

const SPARKS = "▁▂▃▄▅▆▇█";

export function sparkline(values: readonly number[]): string {
  const max = Math.max(...values, 1);
  return values.map((v) =>
    SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / max) * (SPARKS.length - 1)))]
  ).join("");
}

export function bar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return "█".repeat(filled) + "░".repeat(width - filled);
}

function money(value: number): string {
  return `$${value.toFixed(2)}`;
}

function cut(text: string, width: number): string {
  return text.length > width ? text.slice(0, Math.max(0, width - 1)) + "…" : text.padEnd(width);
}

/**
 * @example
 * renderSnapshot(snapshot, 80, 24).join("\n");
 */
export function renderSnapshot(
  snapshot: Snapshot,
  width: number,
  height: number,
  status = "live",
): string[] {
  const lines: string[] = [];
  const time = new Date(snapshot.at).toISOString().slice(11, 19);
  lines.push(
    cut(
      `gw dashboard  ${time} UTC  ${status}  ${
        snapshot.requestsPerSecond.toFixed(2)
      } req/s  errors ${(snapshot.errorRate * 100).toFixed(1)}%   q quits`,
      width,
    ),
  );
  lines.push(
    cut("TEAM            TODAY      MONTH   BUDGET                      REQ/MIN  ERR%", width),
  );
  for (const team of snapshot.teams.slice(0, Math.max(3, Math.floor((height - 12) / 2)))) {
    const budget = team.budget
      ? `${bar(team.budget.spent / team.budget.limit, 10)} ${
        Math.round((team.budget.spent / team.budget.limit) * 100)
      }% of ${team.budget.unit === "usd" ? money(team.budget.limit) : team.budget.limit}`
      : "-";
    lines.push(
      cut(
        `${cut(team.team, 14)}  ${money(team.today).padStart(8)}  ${
          money(team.month).padStart(9)
        }   ${cut(budget, 26)}  ${String(team.requestsPerMinute).padStart(7)}  ${
          (team.errorRate * 100).toFixed(1).padStart(4)
        }`,
        width,
      ),
    );
  }
  lines.push(
    cut("PROVIDER / MODEL                     P50 ms  P95 ms  TTFB   REQ  LAST 15 MIN", width),
  );
  for (const line of snapshot.latency.slice(0, 5)) {
    const circuit = snapshot.circuits[`${line.provider}|${line.model}`];
    const name = `${line.provider} ${line.model}${
      circuit && circuit !== "closed" ? ` [${circuit}]` : ""
    }`;
    lines.push(
      cut(
        `${cut(name, 35)}  ${String(line.p50).padStart(6)}  ${String(line.p95).padStart(6)}  ${
          String(line.ttfbP50).padStart(5)
        }  ${String(line.requests).padStart(4)}  ${sparkline(line.trend)}`,
        width,
      ),
    );
  }
  const open = Object.entries(snapshot.circuits).filter(([, state]) => state !== "closed");
  if (open.length) {
    lines.push(
      cut(`CIRCUITS  ${open.map(([target, state]) => `${target}: ${state}`).join("  ")}`, width),
    );
  }
  lines.push(
    cut(
      `TOP KEYS TODAY  ${
        snapshot.topKeys.slice(0, 4).map((k) => `${k.key} ${money(k.cost)}`).join("  ")
      }`,
      width,
    ),
  );
  lines.push(cut("RECENT", width));
  const room = Math.max(0, height - lines.length - 1);
  for (const row of snapshot.tail.slice(0, room)) {
    lines.push(
      cut(
        `${new Date(row.ts).toISOString().slice(11, 19)} ${row.status} ${row.team ?? "-"} ${
          row.user ?? "-"
        } ${row.servedModel ?? row.requestedModel ?? "-"} ${money(row.costUsd)} ${
          row.latencyMs ?? "-"
        }ms${row.errorType ? ` ${row.errorType}` : ""}`,
        width,
      ),
    );
  }
  return lines.slice(0, height);
}
