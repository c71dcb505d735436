/**
 * Limits shared by every gw process and instance on one database. Budget leases: the
 * allowance each process has claimed from a hard budget counter and not yet turned into
 * committed spend; claims are conditional inserts that hold `spent + every live lease ≤
 * limit`, and a lease a dead process leaves behind expires. Rate buckets: one token bucket per
 * rate limit and kind, from which processes take requests in small chunks and to which they
 * charge tokens used. Running requests per process, for concurrency limits, expiring likewise.
 */
export const sql = `
CREATE TABLE budget_leases (
  budget_id TEXT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
  period_start INTEGER NOT NULL,
  member TEXT NOT NULL DEFAULT '',
  holder TEXT NOT NULL,
  usd REAL NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (budget_id, period_start, member, holder)
);
CREATE INDEX budget_leases_expiry ON budget_leases(expires_at);
CREATE TABLE rate_buckets (
  limit_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  level REAL NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (limit_id, kind)
);
CREATE TABLE rate_running (
  limit_id TEXT NOT NULL,
  holder TEXT NOT NULL,
  running INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (limit_id, holder)
);
`;
