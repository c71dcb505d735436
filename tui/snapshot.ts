/**
 * What the dashboard shows, computed from the request log and budgets: per-team spend today
 * and this month against budget, latency percentiles per provider and model, request rate,
 * error rate, top keys and a tail of recent requests (no bodies).
 */
import type { BudgetStanding } from "../src/cli/budgets.ts";
import type { RequestLog } from "../src/logging/request_log.ts";

export interface TeamLine {
  team: string;
  today: number;
  month: number;
  budget?: { spent: number; limit: number; period: string; unit: string };
  requestsPerMinute: number;
  errorRate: number;
}

export interface LatencyLine {
  provider: string;
  model: string;
  p50: number;
  p95: number;
  ttfbP50: number;
  requests: number;
  /** Requests per minute over the window, oldest first, for a sparkline. */
  trend: number[];
}

export interface Snapshot {
  at: number;
  teams: TeamLine[];
  latency: LatencyLine[];
  topKeys: { key: string; cost: number }[];
  tail: RequestLog[];
  requestsPerSecond: number;
  errorRate: number;
  circuits: Record<string, string>;
}

export const WINDOW_MS = 15 * 60_000;

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

/** Builds the per-provider/model and per-team live figures from recent rows (pure). */
export function liveFigures(rows: readonly RequestLog[], now: number) {
  const recent = rows.filter((row) => row.endpoint === "messages" && row.ts >= now - WINDOW_MS);
  const lastMinute = recent.filter((row) => row.ts >= now - 60_000);
  const byTarget = new Map<string, RequestLog[]>();
  for (const row of recent) {
    if (!row.provider) continue;
    const key = `${row.provider}\u0000${row.servedModel ?? "?"}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), row]);
  }
  const latency: LatencyLine[] = [...byTarget].map(([key, list]) => {
    const [provider, model] = key.split("\u0000");
    const latencies = list.map((r) => r.latencyMs ?? 0).sort((a, b) => a - b);
    const ttfbs = list.map((r) => r.ttfbMs ?? 0).sort((a, b) => a - b);
    const trend = Array.from({ length: 15 }, (_, i) => {
      const from = now - WINDOW_MS + i * 60_000;
      return list.filter((r) => r.ts >= from && r.ts < from + 60_000).length;
    });
    return {
      provider,
      model,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      ttfbP50: percentile(ttfbs, 0.5),
      requests: list.length,
      trend,
    };
  }).sort((a, b) => b.requests - a.requests);
  const perTeam = new Map<string, { requests: number; errors: number }>();
  for (const row of lastMinute) {
    const entry = perTeam.get(row.team ?? "-") ?? { requests: 0, errors: 0 };
    entry.requests++;
    if (row.status >= 400) entry.errors++;
    perTeam.set(row.team ?? "-", entry);
  }
  return {
    latency,
    perTeam,
    requestsPerSecond: lastMinute.length / 60,
    errorRate: lastMinute.length
      ? lastMinute.filter((r) => r.status >= 400).length / lastMinute.length
      : 0,
  };
}

/** Joins spend, budgets and live figures into team lines (pure). */
export function teamLines(
  today: Map<string, number>,
  month: Map<string, number>,
  budgets: readonly BudgetStanding[],
  perTeam: Map<string, { requests: number; errors: number }>,
): TeamLine[] {
  const teams = new Set([...today.keys(), ...month.keys(), ...perTeam.keys()]);
  return [...teams].map((team) => {
    const budget = budgets.find((b) => b.scope === "team" && b.value === team && b.member === "");
    const live = perTeam.get(team);
    return {
      team,
      today: today.get(team) ?? 0,
      month: month.get(team) ?? 0,
      budget: budget
        ? { spent: budget.spent, limit: budget.limit, period: budget.period, unit: budget.unit }
        : undefined,
      requestsPerMinute: live?.requests ?? 0,
      errorRate: live && live.requests ? live.errors / live.requests : 0,
    };
  }).sort((a, b) => b.month - a.month);
}
