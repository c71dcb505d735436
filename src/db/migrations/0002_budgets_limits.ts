/** Budgets with their per-period spend counters, and rate limits. */
export const sql = `
CREATE TABLE budgets (
  id TEXT PRIMARY KEY,
  scope_type TEXT NOT NULL CHECK (scope_type IN ('key', 'user', 'project', 'team', 'department', 'tag')),
  scope_value TEXT NOT NULL,
  period TEXT NOT NULL CHECK (period IN ('day', 'week', 'month', 'total')),
  limit_usd REAL,
  limit_tokens INTEGER,
  warn_pct INTEGER NOT NULL DEFAULT 80,
  hard INTEGER NOT NULL DEFAULT 1,
  per_member INTEGER NOT NULL DEFAULT 0,
  downgrade_model TEXT,
  downgrade_at_pct INTEGER,
  created_at INTEGER NOT NULL,
  CHECK ((limit_usd IS NULL) != (limit_tokens IS NULL))
);
CREATE UNIQUE INDEX budgets_scope ON budgets(scope_type, scope_value, period);

-- One counter per budget, period and member ('' for a shared pool), added to atomically.
CREATE TABLE budget_spend (
  budget_id TEXT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
  period_start INTEGER NOT NULL,
  member TEXT NOT NULL DEFAULT '',
  spent_usd REAL NOT NULL DEFAULT 0,
  spent_tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (budget_id, period_start, member)
);

CREATE TABLE rate_limits (
  id TEXT PRIMARY KEY,
  scope_type TEXT NOT NULL CHECK (scope_type IN ('key', 'user', 'team')),
  scope_value TEXT NOT NULL,
  rpm INTEGER,
  tpm INTEGER,
  concurrent INTEGER,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX rate_limits_scope ON rate_limits(scope_type, scope_value);
`;
