/**
 * Hourly rollups of the request log, maintained in the same transaction as the raw rows, so
 * spend questions over months answer from a few thousand rows instead of millions. Backfilled
 * from the rows already logged.
 */
export const sql = `
CREATE TABLE usage_hourly (
  hour INTEGER NOT NULL,
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
  PRIMARY KEY (hour, key_id, key_prefix, team, department, user, project, env, provider, model)
);

INSERT INTO usage_hourly
SELECT ts / 3600000 * 3600000, coalesce(key_id, ''), coalesce(key_prefix, ''), coalesce(team, ''),
  coalesce(department, ''), coalesce(user, ''), coalesce(project, ''), coalesce(env, ''),
  coalesce(provider, ''), coalesce(served_model, ''), count(*), sum(status >= 400),
  sum(input_tokens), sum(output_tokens), sum(cache_write_5m_tokens + cache_write_1h_tokens),
  sum(cache_read_tokens), sum(cost_usd), sum(CASE WHEN cost_estimated THEN cost_usd ELSE 0 END),
  sum(coalesce(latency_ms, 0))
FROM requests WHERE endpoint = 'messages'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
`;
