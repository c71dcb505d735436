/**
 * Claude Code sign-ins in progress (OAuth device flow): the device code is stored hashed, the
 * user code in clear (short-lived and useless without approval by a valid gw key).
 */
export const sql = `
CREATE TABLE device_logins (
  device_code_hash TEXT PRIMARY KEY,
  user_code TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  interval_s INTEGER NOT NULL,
  approved_key_id TEXT REFERENCES keys(id),
  issued_at INTEGER,
  issued_key_id TEXT REFERENCES keys(id),
  last_poll_at INTEGER
);
CREATE INDEX device_logins_expires ON device_logins(expires_at);
`;
