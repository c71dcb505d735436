/** Prompt-cache effect per group: how much input was served from cache, and what that saved. */
import type { UsageRow } from "../db/repos/requests_repo.ts";
import type { PriceTable } from "./cost.ts";

export interface CacheSavings {
  group: Record<string, string | null>;
  /** Cache reads over all input tokens (uncached, cache writes, cache reads). */
  hitRatio: number;
  /** What the cache reads would have cost as uncached input, minus what they did cost. */
  savedUsd: number;
}

/**
 * Folds rows grouped by `dimensions` plus `model` into savings per `dimensions` group, each
 * model priced at its own rates.
 *
 * @example
 * cacheSavings(await usageBy(db, ["team", "model"], since, until), ["team"], pricing);
 */
export function cacheSavings(
  rows: readonly UsageRow[],
  dimensions: readonly string[],
  pricing: PriceTable,
): CacheSavings[] {
  const groups = new Map<
    string,
    { group: Record<string, string | null>; read: number; input: number; saved: number }
  >();
  for (const row of rows) {
    const group = Object.fromEntries(dimensions.map((d) => [d, row.group[d] ?? null]));
    const key = JSON.stringify(group);
    const entry = groups.get(key) ?? { group, read: 0, input: 0, saved: 0 };
    const { price } = pricing.rate(row.group.model ?? "", 0);
    entry.read += row.cacheReadTokens;
    entry.input += row.inputTokens + row.cacheWriteTokens + row.cacheReadTokens;
    entry.saved += row.cacheReadTokens * (price.input - price.cacheRead) / 1_000_000;
    groups.set(key, entry);
  }
  return [...groups.values()].map((entry) => ({
    group: entry.group,
    hitRatio: entry.input > 0 ? entry.read / entry.input : 0,
    savedUsd: entry.saved,
  })).sort((a, b) => b.savedUsd - a.savedUsd);
}
