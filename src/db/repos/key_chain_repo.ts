/**
 * Keys minted by Claude Code sign-ins, followed down the chain: a sign-in approved with key A
 * mints B (`keys.minted_by = A`), one approved with B mints C, and so on. Whatever ends or
 * shortens A reaches every key below it, in the same write transaction as the change to A, so
 * no instance ever sees A revoked and C still active. Each cascade is audited with the number
 * of keys it changed (only when it changed some).
 */
import type { InStatement, InValue } from "@libsql/client";

/** Every key minted, directly or down the chain, from the key bound to the first `?`. */
const CHAIN = `WITH RECURSIVE chain(id) AS (
  SELECT id FROM keys WHERE minted_by = ?
  UNION SELECT keys.id FROM keys JOIN chain ON keys.minted_by = chain.id)`;

export interface ChainCause {
  /** The key whose change cascades. */
  rootId: string;
  /** The audit action of the change to the root, e.g. `key.revoke`. */
  action: string;
  actor: string;
  now: number;
}

/** An audit row naming how many chain keys `condition` (bound to `args`) selects. */
function auditChain(
  cause: ChainCause,
  action: string,
  condition: string,
  args: InValue[],
): InStatement {
  return {
    sql: `${CHAIN} INSERT INTO audit_log (ts, actor, action, target, detail)
      SELECT ?, ?, ?, ?, json_object('cause', ?, 'keys', n)
      FROM (SELECT count(*) AS n FROM keys WHERE id IN (SELECT id FROM chain) AND ${condition})
      WHERE n > 0`,
    args: [cause.rootId, cause.now, cause.actor, action, cause.rootId, cause.action, ...args],
  };
}

/**
 * Cancels sign-ins still minting their key from the root or a chain key (claimed, key not yet
 * recorded): the token endpoint then fails to record and revokes what it minted, so a key
 * minted in the same instant as the change cannot escape it. With `rootPending`, also the
 * root's approvals not yet claimed (after a rotation the old secret's approvals are void).
 */
function cancelSignIns(cause: ChainCause, rootPending: boolean): InStatement {
  return {
    sql: `${CHAIN} DELETE FROM device_logins WHERE issued_key_id IS NULL
      AND (approved_key_id = ? OR approved_key_id IN (SELECT id FROM chain))
      AND (issued_at IS NOT NULL OR (? AND approved_key_id = ?))`,
    args: [cause.rootId, cause.rootId, rootPending ? 1 : 0, cause.rootId],
  };
}

/**
 * Revokes every key minted down the chain from the root (not the root itself).
 *
 * @example
 * await writeBatch(db, [
 *   revokeRoot,
 *   ...revokeChainStatements({ rootId: key.id, action: "key.revoke", actor, now }),
 *   bumpRevision,
 * ]);
 */
export function revokeChainStatements(
  cause: ChainCause,
  options: { rootPending?: boolean } = {},
): InStatement[] {
  return [
    auditChain(cause, "key.chain_revoke", "revoked_at IS NULL", []),
    {
      sql: `${CHAIN} UPDATE keys SET revoked_at = ?, updated_at = ?
        WHERE revoked_at IS NULL AND id IN (SELECT id FROM chain)`,
      args: [cause.rootId, cause.now, cause.now],
    },
    cancelSignIns(cause, options.rootPending ?? false),
  ];
}

/**
 * Brings the expiry of every active key down the chain to at most `expiresAt`: a minted key
 * never outlives the key that approved it. Later expiries are never extended.
 *
 * @example
 * const statements = capChainExpiryStatements(
 *   { rootId: key.id, action: "key.update", actor, now },
 *   now + 3_600_000,
 * );
 */
export function capChainExpiryStatements(cause: ChainCause, expiresAt: number): InStatement[] {
  const later = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)";
  return [
    auditChain(cause, "key.chain_expiry", later, [expiresAt]),
    {
      sql: `${CHAIN} UPDATE keys SET expires_at = ?, updated_at = ?
        WHERE ${later} AND id IN (SELECT id FROM chain)`,
      args: [cause.rootId, expiresAt, cause.now, expiresAt],
    },
    cancelSignIns(cause, false),
  ];
}
