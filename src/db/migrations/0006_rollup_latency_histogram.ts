/**
 * A latency histogram in the hourly rollups: cumulative counts at fixed bounds (ms). Rollup
 * rows written before this migration have no histogram (zeros); the raw rows still do.
 */
export const LATENCY_BOUNDS_MS = [500, 1000, 2500, 5000, 10000, 30000, 60000, 120000] as const;

export const sql = LATENCY_BOUNDS_MS
  .map((bound) =>
    `ALTER TABLE usage_hourly ADD COLUMN latency_le_${bound} INTEGER NOT NULL DEFAULT 0;`
  )
  .join("\n");
