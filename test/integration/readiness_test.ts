/**
 * `/readyz` says whether this gw can serve and record: it fails, naming why, when the database
 * file is deleted or replaced under a running gw, when the database takes no writes, and stays
 * ready otherwise.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventually, startGw } from "../helpers/gw_harness.ts";
import { parseConfig } from "../../src/config/load.ts";
import { SecretBox } from "../../src/crypto/secret_box.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { LocalClient } from "../../src/db/local_client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { Gateway } from "../../src/server/gateway.ts";

async function readyz(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: await response.json() };
}

/** Waits (briefly: a couple of seconds at most) for `/readyz` to fail naming `reason`. */
function unreadyWith(url: string, reason: string): Promise<void> {
  return eventually(async () => {
    const { status, body } = await readyz(url);
    assert.equal(status, 503);
    assert.equal(body.status, "unready");
    assert.ok((body.reasons as string[]).includes(reason), JSON.stringify(body));
  }, 2000);
}

describe("/readyz", () => {
  it("is ready on a healthy database, and fails once its file is deleted", async () => {
    const gw = await startGw();
    try {
      assert.deepEqual(await readyz(gw.url), { status: 200, body: { status: "ready" } });
      await Deno.remove(`${gw.dir}/gw.db`);
      await unreadyWith(gw.url, "database file was removed");
    } finally {
      await gw.stop();
    }
  });

  it("fails once the database file is replaced by another", async () => {
    const gw = await startGw();
    const other = await Deno.makeTempDir();
    try {
      // What a CLI run pointed at a missing file does: it creates a new, empty database.
      const fresh = await openDatabase(`file:${other}/gw.db`);
      await migrate(fresh);
      fresh.client.close();
      await Deno.rename(`${other}/gw.db`, `${gw.dir}/gw.db`);
      await unreadyWith(gw.url, "database file was replaced");
    } finally {
      await gw.stop();
      await Deno.remove(other, { recursive: true });
    }
  });

  it("fails when started on a database it cannot write", async () => {
    const dir = await Deno.makeTempDir();
    const url = `file:${dir}/gw.db`;
    const writable = await openDatabase(url);
    await migrate(writable);
    writable.client.close();
    // SQLite opens a file its user may not write read-only; root may write any file, so the
    // test opens it read-only itself.
    const db: Database = { ...writable, client: new LocalClient(`${url}?mode=ro`) };
    const masterKey = SecretBox.generateMasterKey();
    const config = parseConfig(
      { host: "127.0.0.1", port: 0, dbUrl: url, masterKey, adminToken: "gwadm_test" },
      "test",
    );
    const gateway = await Gateway.create({ config, db, masterKey, adminToken: "gwadm_test" });
    await gateway.start();
    try {
      await unreadyWith(gateway.url, "database is read-only");
    } finally {
      await gateway.stop();
      db.client.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
});
