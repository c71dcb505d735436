/** Teams, keys, providers, the request log and the audit log. */
export const sql = `
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  parent_id TEXT REFERENCES teams(id),
  created_at INTEGER NOT NULL
);

CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  name TEXT,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  team_id TEXT NOT NULL REFERENCES teams(id),
  user TEXT,
  project TEXT,
  env TEXT,
  tags TEXT NOT NULL DEFAULT '{}',
  models TEXT NOT NULL DEFAULT '[]',
  expires_at INTEGER,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX keys_team ON keys(team_id);

CREATE TABLE providers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  base_url TEXT,
  config TEXT NOT NULL DEFAULT '{}',
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  ts INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  key_id TEXT,
  key_prefix TEXT,
  team TEXT,
  department TEXT,
  user TEXT,
  project TEXT,
  env TEXT,
  tags TEXT NOT NULL DEFAULT '{}',
  session_id TEXT,
  agent_id TEXT,
  parent_agent_id TEXT,
  provider TEXT,
  requested_model TEXT,
  served_model TEXT,
  stream INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL,
  error_type TEXT,
  error_message TEXT,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  cost_estimated INTEGER NOT NULL DEFAULT 0,
  latency_ms INTEGER,
  ttfb_ms INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  client_aborted INTEGER NOT NULL DEFAULT 0,
  guardrails TEXT
);
CREATE INDEX requests_ts ON requests(ts);
CREATE INDEX requests_team_ts ON requests(team, ts);
CREATE INDEX requests_key_ts ON requests(key_id, ts);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);

-- Bumped by every change to keys, teams or providers; servers poll it to refresh their caches.
CREATE TABLE revision (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO revision (id, value) VALUES (1, 0);
`;
