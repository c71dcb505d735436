/** Model routes: a model glob (optionally for one team) → ordered, weighted provider targets. */
export const sql = `
CREATE TABLE routes (
  id TEXT PRIMARY KEY,
  model_glob TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  strategy TEXT NOT NULL CHECK (strategy IN ('fallback', 'loadbalance')),
  targets TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX routes_glob_team ON routes(model_glob, team);
`;
