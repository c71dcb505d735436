/**
 * The hourly rollups rebuilt clustered by their key (WITHOUT ROWID), so an hour range is one
 * contiguous scan instead of an index walk with a table lookup per row (measured on 2.3 M
 * hourly rows: 23 hours by team 132 ms before).
 */
import { LATENCY_BOUNDS_MS } from "./0006_rollup_latency_histogram.ts";

const histogram = LATENCY_BOUNDS_MS.map((bound) => `latency_le_${bound}`);

export const sql = `
CREATE TABLE usage_hourly_clustered (
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
  ${histogram.map((column) => `${column} INTEGER NOT NULL DEFAULT 0,`).join("\n  ")}
  PRIMARY KEY (hour, key_id, key_prefix, team, department, user, project, env, provider, model)
) WITHOUT ROWID;
INSERT INTO usage_hourly_clustered SELECT hour, key_id, key_prefix, team, department, user,
  project, env, provider, model, requests, errors, input_tokens, output_tokens,
  cache_write_tokens, cache_read_tokens, cost_usd, estimated_cost_usd, latency_ms_sum,
  ${histogram.join(", ")}
FROM usage_hourly;
DROP TABLE usage_hourly;
ALTER TABLE usage_hourly_clustered RENAME TO usage_hourly;
`;
