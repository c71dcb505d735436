import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Database, openDatabase } from "../client.ts";
import { migrate } from "../migrate.ts";
import { findKey, insertKey, revokeKey } from "../repos/keys_repo.ts";
import { createTeam } from "../repos/teams_repo.ts";
import { MIGRATIONS } from "./index.ts";

const HOUR = 3_600_000;
const UNBOUND = { user: null, project: null, env: null, tags: {}, models: [], projects: [] };

describe("migration 0012 (keys.minted_by)", () => {
  let dir: string;
  let db: Database;

  before(async () => {
    dir = await Deno.makeTempDir({ prefix: "gw-0012-" });
    db = await openDatabase(`file:${dir}/gw.db`);
    await migrate(db, MIGRATIONS.filter((migration) => migration.version < 12));
  });
  after(async () => {
    db.client.close();
    await Deno.remove(dir, { recursive: true });
  });

  it("links minted keys from their sign-ins and closes the chains left open", async () => {
    const teamId = (await createTeam(db, { name: "payments", parentId: null }, "test")).id;
    const now = Date.now();
    const key = (name: string, expiresAt: number | null = null) =>
      insertKey(db, { ...UNBOUND, name, hash: name, prefix: `gw_${name}`, teamId, expiresAt }, "t");
    const [a, b, c, e, f, g] = [
      await key("a"),
      await key("b", now + 720 * HOUR),
      await key("c", now + 720 * HOUR),
      await key("e", now + HOUR),
      await key("f", now + 720 * HOUR),
      await key("g", now + 720 * HOUR),
    ];
    // The world before: sign-in rows kept as long as their key; revoking A reached B only, and
    // E's expiry shortened after F was minted left F as it was.
    const signIn = (n: number, approver: string, issued: string) =>
      db.client.execute({
        sql: `INSERT INTO device_logins (device_code_hash, user_code, created_at, expires_at,
          interval_s, approved_key_id, issued_at, issued_key_id) VALUES (?, ?, ?, ?, 5, ?, ?, ?)`,
        args: [`device-${n}`, `CODE-${n}`, now, now + 720 * HOUR, approver, now, issued],
      });
    await signIn(1, a.id, b.id);
    await signIn(2, b.id, c.id);
    await signIn(3, e.id, f.id);
    const revokedAt = now - HOUR;
    await db.client.execute({
      sql: "UPDATE keys SET revoked_at = ? WHERE id IN (?, ?)",
      args: [revokedAt, a.id, b.id],
    });

    assert.deepEqual(await migrate(db), [
      12,
      ...MIGRATIONS.filter((m) => m.version > 12)
        .map((m) => m.version),
    ]);
    assert.equal((await findKey(db, c.id))?.revokedAt, revokedAt);
    assert.equal((await findKey(db, f.id))?.expiresAt, now + HOUR);
    assert.equal((await findKey(db, f.id))?.revokedAt, null);
    assert.equal((await findKey(db, g.id))?.expiresAt, now + 720 * HOUR);

    // The link is in place for what comes next.
    await revokeKey(db, e, "test");
    assert.notEqual((await findKey(db, f.id))?.revokedAt, null);
    assert.equal((await findKey(db, g.id))?.revokedAt, null);
  });
});
