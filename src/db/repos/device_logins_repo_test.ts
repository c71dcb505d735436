import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Database, openDatabase } from "../client.ts";
import { migrate } from "../migrate.ts";
import { findKey, insertKey, revokeKey } from "./keys_repo.ts";
import { createTeam } from "./teams_repo.ts";
import {
  approveDeviceLogin,
  claimIssue,
  countPendingDeviceLogins,
  type DeviceLogin,
  findDeviceLogin,
  insertDeviceLogin,
  recordIssuedKey,
} from "./device_logins_repo.ts";

const TTL = 600_000;

function login(n: number, createdAt: number): DeviceLogin {
  return {
    deviceCodeHash: `hash-${n}`,
    userCode: `CODE-${n}`,
    createdAt,
    expiresAt: createdAt + TTL,
    intervalS: 5,
    approvedKeyId: null,
    issuedAt: null,
    issuedKeyId: null,
    lastPollAt: null,
  };
}

describe("device logins", () => {
  let dir: string;
  let db: Database;

  before(async () => {
    dir = await Deno.makeTempDir({ prefix: "gw-device-logins-" });
    db = await openDatabase(`file:${dir}/gw.db`);
    await migrate(db);
  });
  after(async () => {
    db.client.close();
    await Deno.remove(dir, { recursive: true });
  });

  it("stops at the cap of pending sign-ins and deletes them once expired", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    for (let n = 0; n < 3; n++) {
      assert.equal(await insertDeviceLogin(db, login(n, t0 + n), 3), true);
    }
    assert.equal(await insertDeviceLogin(db, login(3, t0 + 10), 3), false, "full");
    assert.equal(await countPendingDeviceLogins(db), 3);
    assert.equal(await findDeviceLogin(db, { deviceCodeHash: "hash-3" }), undefined);

    // The first has expired by now (t0 + TTL): it is deleted, which frees a slot.
    assert.equal(await insertDeviceLogin(db, login(4, t0 + TTL), 3), true);
    assert.equal(await findDeviceLogin(db, { deviceCodeHash: "hash-0" }), undefined);
    assert.equal(await countPendingDeviceLogins(db), 3);

    // Long after, every expired one goes at the next insert.
    assert.equal(await insertDeviceLogin(db, login(5, t0 + 10 * TTL), 3), true);
    assert.equal(await countPendingDeviceLogins(db), 1);
  });

  it("links the minted key to its approver and deletes the row with its code", async () => {
    const t0 = Date.UTC(2026, 1, 1);
    assert.equal(await insertDeviceLogin(db, login(10, t0), 1), true);
    const team = await createTeam(db, { name: "payments", parentId: null }, "test");
    const newKey = (name: string) =>
      insertKey(db, {
        name,
        hash: `hash-of-${name}`,
        prefix: `gw_${name}`,
        teamId: team.id,
        user: null,
        project: null,
        env: null,
        tags: {},
        models: [],
        projects: [],
        expiresAt: null,
      }, "test");
    const approver = await newKey("approver");
    assert.equal(await approveDeviceLogin(db, "CODE-10", approver.id, t0 + 1), true);
    assert.equal(await claimIssue(db, "hash-10", t0 + 2), true);
    const minted = await newKey("minted");
    assert.equal(await recordIssuedKey(db, "hash-10", minted.id), true);
    assert.equal(await recordIssuedKey(db, "hash-10", approver.id), false, "recorded once");
    assert.equal(
      (await findDeviceLogin(db, { deviceCodeHash: "hash-10" }))?.issuedKeyId,
      minted.id,
    );
    assert.equal(await countPendingDeviceLogins(db), 0, "an issued sign-in is not counted");

    // The row goes with its code; the link lives on the key, so revocation still reaches it.
    assert.equal(await insertDeviceLogin(db, login(11, t0 + TTL), 1), true);
    assert.equal(await findDeviceLogin(db, { deviceCodeHash: "hash-10" }), undefined);
    await revokeKey(db, approver, "test");
    assert.notEqual((await findKey(db, minted.id))?.revokedAt, null);
  });
});
