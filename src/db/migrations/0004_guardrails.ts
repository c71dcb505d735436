/** Guardrail policies and where they apply (org, team or key; the most specific wins). */
export const sql = `
CREATE TABLE guardrail_policies (
  name TEXT PRIMARY KEY,
  rules TEXT NOT NULL,
  limits TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);

CREATE TABLE guardrail_assignments (
  scope TEXT NOT NULL CHECK (scope IN ('org', 'team', 'key')),
  value TEXT NOT NULL DEFAULT '',
  policy TEXT NOT NULL REFERENCES guardrail_policies(name) ON DELETE CASCADE,
  PRIMARY KEY (scope, value)
);
`;
