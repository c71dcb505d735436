/**
 * Where the dashboard reads from: the local database, or a remote gw's admin API. Either way
 * it never reaches into server internals.
 */
import type { BudgetStanding } from "../src/cli/budgets.ts";
import type { Database } from "../src/db/client.ts";
import type { RequestLog } from "../src/logging/request_log.ts";
import type { UsageRow } from "../src/db/repos/requests_repo.ts";
import { liveFigures, type Snapshot, teamLines, WINDOW_MS } from "./snapshot.ts";

export type SnapshotSource = () => Promise<Snapshot>;

function startOfDay(now: number): number {
  return Math.floor(now / 86_400_000) * 86_400_000;
}

function startOfMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function byTeam(rows: readonly UsageRow[]): Map<string, number> {
  return new Map(rows.map((row) => [row.group.team ?? "-", row.costUsd]));
}

function assemble(
  now: number,
  today: UsageRow[],
  month: UsageRow[],
  keys: UsageRow[],
  budgets: BudgetStanding[],
  recent: RequestLog[],
  circuits: Record<string, string>,
): Snapshot {
  const live = liveFigures(recent, now);
  return {
    at: now,
    teams: teamLines(byTeam(today), byTeam(month), budgets, live.perTeam),
    latency: live.latency,
    topKeys: keys.map((row) => ({ key: row.group.key ?? "-", cost: row.costUsd })).slice(0, 10),
    tail: [...recent].sort((a, b) => b.ts - a.ts),
    requestsPerSecond: live.requestsPerSecond,
    errorRate: live.errorRate,
    circuits,
  };
}

/** `circuits` is given when the dashboard runs inside `gw serve`, where the breakers live. */
export function localSource(
  db: Database,
  timeZone: string,
  circuits: () => Record<string, string> = () => ({}),
): SnapshotSource {
  return async () => {
    const { usageBy, listRequests } = await import("../src/db/repos/requests_repo.ts");
    const { budgetStandings } = await import("../src/cli/budgets.ts");
    const now = Date.now();
    const [today, month, keys, budgets, recent] = await Promise.all([
      usageBy(db, ["team"], startOfDay(now), now + 1),
      usageBy(db, ["team"], startOfMonth(now), now + 1),
      usageBy(db, ["key"], startOfDay(now), now + 1),
      budgetStandings(db, timeZone),
      listRequests(db, { sinceMs: now - WINDOW_MS, limit: 5000 }),
    ]);
    return assemble(now, today, month, keys, budgets, recent, circuits());
  };
}

export function remoteSource(url: string, adminToken: string): SnapshotSource {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(url.replace(/\/+$/, "") + path, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return await response.json() as T;
  };
  return async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const [today, month, keys, budgets, recent, circuits] = await Promise.all([
      get<UsageRow[]>(`/admin/usage?by=team&since=${iso(startOfDay(now))}`),
      get<UsageRow[]>(`/admin/usage?by=team&since=${iso(startOfMonth(now))}`),
      get<UsageRow[]>(`/admin/usage?by=key&since=${iso(startOfDay(now))}`),
      get<BudgetStanding[]>("/admin/budgets"),
      get<RequestLog[]>(`/admin/logs?limit=1000`),
      get<Record<string, string>>("/admin/circuits"),
    ]);
    return assemble(
      now,
      today,
      month,
      keys,
      budgets,
      recent.filter((r) => r.ts >= now - WINDOW_MS),
      circuits,
    );
  };
}
