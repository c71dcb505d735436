/** Claude Code sign-ins in progress, from device authorization to the issued key. */
import type { Row } from "@libsql/client";
import type { Database } from "../client.ts";

export interface DeviceLogin {
  deviceCodeHash: string;
  userCode: string;
  createdAt: number;
  expiresAt: number;
  intervalS: number;
  approvedKeyId: string | null;
  issuedAt: number | null;
  issuedKeyId: string | null;
  lastPollAt: number | null;
}

function toLogin(row: Row): DeviceLogin {
  return {
    deviceCodeHash: String(row.device_code_hash),
    userCode: String(row.user_code),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    intervalS: Number(row.interval_s),
    approvedKeyId: row.approved_key_id === null ? null : String(row.approved_key_id),
    issuedAt: row.issued_at === null ? null : Number(row.issued_at),
    issuedKeyId: row.issued_key_id === null ? null : String(row.issued_key_id),
    lastPollAt: row.last_poll_at === null ? null : Number(row.last_poll_at),
  };
}

/**
 * Starts a sign-in unless `maxPending` already wait; false when full. Rows are deleted once
 * expired (in the same write, through the expiry index), so sign-ins anonymous clients start
 * never number more than `maxPending`; one that issued a key is no longer counted, and goes at
 * its code's expiry too (the minted key keeps its link to its approver, see `recordIssuedKey`).
 */
export async function insertDeviceLogin(
  db: Database,
  login: DeviceLogin,
  maxPending: number,
): Promise<boolean> {
  const [, inserted] = await db.client.batch([
    { sql: "DELETE FROM device_logins WHERE expires_at <= ?", args: [login.createdAt] },
    {
      sql: `INSERT INTO device_logins (device_code_hash, user_code, created_at, expires_at,
        interval_s) SELECT ?, ?, ?, ?, ?
        WHERE (SELECT count(*) FROM device_logins WHERE issued_at IS NULL) < ?`,
      args: [
        login.deviceCodeHash,
        login.userCode,
        login.createdAt,
        login.expiresAt,
        login.intervalS,
        maxPending,
      ],
    },
  ], "write");
  return inserted.rowsAffected === 1;
}

/** Sign-ins that issued no key yet, expired ones not yet deleted included. */
export async function countPendingDeviceLogins(db: Database): Promise<number> {
  const result = await db.client.execute(
    "SELECT count(*) AS n FROM device_logins WHERE issued_at IS NULL",
  );
  return Number(result.rows[0].n);
}

export async function findDeviceLogin(
  db: Database,
  by: { deviceCodeHash: string } | { userCode: string },
): Promise<DeviceLogin | undefined> {
  const result = "deviceCodeHash" in by
    ? await db.client.execute({
      sql: "SELECT * FROM device_logins WHERE device_code_hash = ?",
      args: [by.deviceCodeHash],
    })
    : await db.client.execute({
      sql: "SELECT * FROM device_logins WHERE user_code = ?",
      args: [by.userCode],
    });
  return result.rows[0] ? toLogin(result.rows[0]) : undefined;
}

/** Approves a pending, unexpired sign-in with a key; false when there is none. */
export async function approveDeviceLogin(
  db: Database,
  userCode: string,
  keyId: string,
  now: number,
): Promise<boolean> {
  const result = await db.client.execute({
    sql: `UPDATE device_logins SET approved_key_id = ?
      WHERE user_code = ? AND approved_key_id IS NULL AND expires_at > ?`,
    args: [keyId, userCode, now],
  });
  return result.rowsAffected === 1;
}

export async function notePoll(db: Database, deviceCodeHash: string, now: number): Promise<void> {
  await db.client.execute({
    sql: "UPDATE device_logins SET last_poll_at = ? WHERE device_code_hash = ?",
    args: [now, deviceCodeHash],
  });
}

/**
 * Claims the right to issue this sign-in's key: true once, so two concurrent polls (or two
 * instances) cannot both mint one.
 */
export async function claimIssue(db: Database, deviceCodeHash: string, now: number) {
  const result = await db.client.execute({
    sql: `UPDATE device_logins SET issued_at = ?
      WHERE device_code_hash = ? AND issued_at IS NULL AND approved_key_id IS NOT NULL`,
    args: [now, deviceCodeHash],
  });
  return result.rowsAffected === 1;
}

/**
 * Links the sign-in to the key it minted, and the minted key to the key that approved it
 * (`keys.minted_by`: what revocation, rotation and expiry follow down the chain, long after
 * this row is deleted with its code). False when the sign-in was cancelled while the key was
 * minted (its approver was revoked, rotated or given an earlier expiry): the caller must then
 * revoke the minted key, which no cascade reached.
 */
export async function recordIssuedKey(
  db: Database,
  deviceCodeHash: string,
  keyId: string,
): Promise<boolean> {
  const [recorded] = await db.client.batch([
    {
      sql: `UPDATE device_logins SET issued_key_id = ?
        WHERE device_code_hash = ? AND issued_at IS NOT NULL AND issued_key_id IS NULL`,
      args: [keyId, deviceCodeHash],
    },
    {
      sql: `UPDATE keys SET minted_by = d.approved_key_id FROM device_logins d
        WHERE keys.id = ? AND d.device_code_hash = ? AND d.issued_key_id = keys.id`,
      args: [keyId, deviceCodeHash],
    },
  ], "write");
  return recorded.rowsAffected === 1;
}
