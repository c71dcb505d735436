/**
 * A key minted by a Claude Code sign-in names the key that approved it (`minted_by`), so
 * revoking, rotating or shortening the approver reaches every key down the chain however long
 * ago the sign-in was (its device-login row is deleted when its code expires). Backfilled from
 * the sign-ins that issued a key; chains that an earlier revocation or expiry change left
 * broken (A revoked, C minted through B still active) are closed here too.
 */
export const sql = `
ALTER TABLE keys ADD COLUMN minted_by TEXT REFERENCES keys(id);

UPDATE keys SET minted_by =
  (SELECT d.approved_key_id FROM device_logins d WHERE d.issued_key_id = keys.id)
WHERE id IN (SELECT issued_key_id FROM device_logins WHERE issued_key_id IS NOT NULL);

CREATE INDEX keys_minted_by ON keys(minted_by) WHERE minted_by IS NOT NULL;

WITH RECURSIVE chain(id, revoked_at, expires_at) AS (
  SELECT id, revoked_at, expires_at FROM keys WHERE minted_by IS NULL
  UNION ALL
  SELECT k.id, coalesce(k.revoked_at, c.revoked_at),
    CASE WHEN c.expires_at IS NULL THEN k.expires_at
      WHEN k.expires_at IS NULL OR k.expires_at > c.expires_at THEN c.expires_at
      ELSE k.expires_at END
  FROM keys k JOIN chain c ON k.minted_by = c.id
)
UPDATE keys SET revoked_at = chain.revoked_at, expires_at = chain.expires_at
FROM chain
WHERE chain.id = keys.id AND keys.minted_by IS NOT NULL
  AND (keys.revoked_at IS NOT chain.revoked_at OR keys.expires_at IS NOT chain.expires_at);
`;
