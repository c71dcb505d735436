import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Database, openDatabase } from "../client.ts";
import { migrate } from "../migrate.ts";
import { listAudit } from "./audit_repo.ts";
import {
  approveDeviceLogin,
  claimIssue,
  findDeviceLogin,
  insertDeviceLogin,
  recordIssuedKey,
} from "./device_logins_repo.ts";
import {
  findKey,
  insertKey,
  type KeyRecord,
  revokeKey,
  rotateKey,
  updateKey,
} from "./keys_repo.ts";
import { createTeam } from "./teams_repo.ts";

const HOUR = 3_600_000;
/** Attribution and restrictions these tests never set. */
const UNBOUND = { user: null, project: null, env: null, tags: {}, models: [], projects: [] };

describe("key chains", () => {
  let dir: string;
  let db: Database;
  let teamId: string;
  let n = 0;

  before(async () => {
    dir = await Deno.makeTempDir({ prefix: "gw-key-chain-" });
    db = await openDatabase(`file:${dir}/gw.db`);
    await migrate(db);
    teamId = (await createTeam(db, { name: "payments", parentId: null }, "test")).id;
  });
  after(async () => {
    db.client.close();
    await Deno.remove(dir, { recursive: true });
  });

  const newKey = (expiresAt: number | null = null) => {
    const name = `key-${++n}`;
    return insertKey(db, {
      ...UNBOUND,
      name,
      hash: `hash-of-${name}`,
      prefix: `gw_${name}`,
      teamId,
      expiresAt,
    }, "test");
  };

  /** A sign-in started and approved with `approver`; `claim` also starts minting its key. */
  async function approve(approver: KeyRecord, claim: boolean): Promise<string> {
    const code = ++n;
    const now = Date.now();
    await insertDeviceLogin(db, {
      deviceCodeHash: `device-${code}`,
      userCode: `CODE-${code}`,
      createdAt: now,
      expiresAt: now + 600_000,
      intervalS: 5,
      approvedKeyId: null,
      issuedAt: null,
      issuedKeyId: null,
      lastPollAt: null,
    }, 100);
    assert.equal(await approveDeviceLogin(db, `CODE-${code}`, approver.id, now), true);
    if (claim) assert.equal(await claimIssue(db, `device-${code}`, now), true);
    return `device-${code}`;
  }

  /** What the token endpoint does: a key minted and linked to the approver. */
  async function mint(approver: KeyRecord, expiresAt: number | null = null): Promise<KeyRecord> {
    const device = await approve(approver, true);
    const minted = await newKey(expiresAt);
    assert.equal(await recordIssuedKey(db, device, minted.id), true);
    return minted;
  }

  const reload = async (key: KeyRecord) => (await findKey(db, key.id))!;

  it("revokes every key down the chain, branches included, and audits how many", async () => {
    const a = await newKey();
    const b = await mint(a);
    const c = await mint(b);
    const d = await mint(c);
    const b2 = await mint(a);
    const other = await mint(await newKey());
    await revokeKey(db, a, "cli:ops");
    for (const key of [a, b, c, d, b2]) assert.notEqual((await reload(key)).revokedAt, null);
    assert.equal((await reload(other)).revokedAt, null);
    const [cascade, revoke] = await listAudit(db, 2);
    assert.deepEqual(
      [cascade.action, cascade.actor, cascade.target, cascade.detail],
      ["key.chain_revoke", "cli:ops", a.id, { cause: "key.revoke", keys: 4 }],
    );
    assert.equal(revoke.action, "key.revoke");

    // Revoking the middle of a chain ends only what lies below it.
    const e = await newKey();
    const f = await mint(e);
    const g = await mint(f);
    await revokeKey(db, f, "test");
    assert.equal((await reload(e)).revokedAt, null);
    assert.notEqual((await reload(g)).revokedAt, null);
  });

  it("rotation ends the chain and voids the old secret's approvals, the root lives on", async () => {
    const a = await newKey();
    const b = await mint(a);
    const c = await mint(b);
    const pending = await approve(a, false);
    const minting = await approve(a, true);
    const elsewhere = await approve(await newKey(), false);
    await rotateKey(db, a, { hash: "rotated-hash", prefix: "gw_rotated" }, "test");
    assert.equal((await reload(a)).revokedAt, null);
    assert.equal((await reload(a)).prefix, "gw_rotated");
    assert.deepEqual((await listAudit(db, 1))[0].detail, { cause: "key.rotate", keys: 2 });
    for (const key of [b, c]) assert.notEqual((await reload(key)).revokedAt, null);
    assert.equal(await findDeviceLogin(db, { deviceCodeHash: pending }), undefined);
    // A key minted as the rotation committed: recording fails, so the caller revokes it.
    assert.equal(await recordIssuedKey(db, minting, (await newKey()).id), false);
    assert.ok(await findDeviceLogin(db, { deviceCodeHash: elsewhere }), "other keys' untouched");
  });

  it("brings the chain's expiry down to the approver's, never up", async () => {
    const now = Date.now();
    const a = await newKey(now + 48 * HOUR);
    const b = await mint(a, now + 24 * HOUR);
    const c = await mint(b, now + 24 * HOUR);
    const d = await mint(c, now + 2 * HOUR);
    await updateKey(db, a, { expiresAt: now + 10 * HOUR }, "test");
    assert.deepEqual(
      await Promise.all([b, c, d].map(async (key) => (await reload(key)).expiresAt)),
      [now + 10 * HOUR, now + 10 * HOUR, now + 2 * HOUR],
    );
    assert.deepEqual((await listAudit(db, 1))[0].detail, { cause: "key.update", keys: 2 });

    await updateKey(db, a, { expiresAt: now + 100 * HOUR }, "test");
    await updateKey(db, a, { expiresAt: null }, "test");
    assert.equal((await reload(b)).expiresAt, now + 10 * HOUR, "never extended");
    assert.equal((await listAudit(db, 1))[0].action, "key.update", "nothing to audit");

    // The approver expiring now: everything it minted expires with it.
    await updateKey(db, a, { expiresAt: now - 1 }, "test");
    for (const key of [b, c, d]) assert.equal((await reload(key)).expiresAt, now - 1);
  });
});
