/**
 * Daily rollups: "a month by team" reads ~30 rows per key and model instead of one per
 * key-hour (measured on 10 M requests: 2.3 M hourly rows, 7 s for a month by team). Clustered by
 * day (WITHOUT ROWID), so a date range is one contiguous scan. Backfilled from the hourly rollups.
 */
export const sql = `
CREATE TABLE usage_daily (
  day INTEGER NOT NULL,
  key_id TEXT NOT NULL DEFAULT '',
  key_prefix TEXT NOT NULL DEFAULT '',
  team TEXT NOT NULL DEFAULT '',
  department TEXT NOT NULL DEFAULT '',
  user TEXT NOT NULL DEFAULT '',
  project TEXT NOT NULL DEFAULT '',
  env TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  estimated_cost_usd REAL NOT NULL DEFAULT 0,
  latency_ms_sum INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, key_id, key_prefix, team, department, user, project, env, provider, model)
) WITHOUT ROWID;

INSERT INTO usage_daily
SELECT hour / 86400000 * 86400000, key_id, key_prefix, team, department, user, project, env,
  provider, model,
  sum(requests), sum(errors), sum(input_tokens), sum(output_tokens), sum(cache_write_tokens),
  sum(cache_read_tokens), sum(cost_usd), sum(estimated_cost_usd), sum(latency_ms_sum)
FROM usage_hourly
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
`;
