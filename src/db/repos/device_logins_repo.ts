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
 * never number more than `maxPending`. A row that issued a key expires with that key instead
 * (see `recordIssuedKey`): revoking the approving key finds the keys it minted through it.
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
 * Links the sign-in to the key it minted, and keeps the row as long as that key lives: the
 * link is how revoking the approving key revokes the minted one.
 */
export async function recordIssuedKey(
  db: Database,
  deviceCodeHash: string,
  keyId: string,
  keyExpiresAt: number,
) {
  await db.client.execute({
    sql: "UPDATE device_logins SET issued_key_id = ?, expires_at = ? WHERE device_code_hash = ?",
    args: [keyId, keyExpiresAt, deviceCodeHash],
  });
}
