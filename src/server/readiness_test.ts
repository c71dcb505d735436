import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { type Database, openDatabase } from "../db/client.ts";
import { LocalClient } from "../db/local_client.ts";
import { Readiness } from "./readiness.ts";

describe("Readiness", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A database in its own folder, watched by a Readiness with a fake clock. */
  async function watched(logFailingSince: () => number | undefined = () => undefined) {
    const dir = await Deno.makeTempDir();
    const db = await openDatabase(`file:${dir}/gw.db`);
    // Written once, as a running gw has: its WAL is open, and writes go on after a swap.
    await db.client.execute("CREATE TABLE t (x)");
    cleanups.push(async () => {
      db.client.close();
      await Deno.remove(dir, { recursive: true });
    });
    const reports: string[] = [];
    const clock = { now: 1_000_000 };
    const readiness = new Readiness(db, {
      logFailingSince,
      report: (message) => reports.push(message),
      now: () => clock.now,
    });
    return { dir, db, readiness, reports, clock };
  }

  it("is ready when the file is in place, takes writes and the log keeps up", async () => {
    const { readiness, reports } = await watched();
    assert.deepEqual(await readiness.reasons(), []);
    assert.deepEqual(reports, []);
  });

  it("names a removed database file and reports it once, and its return", async () => {
    const { dir, readiness, reports } = await watched();
    await Deno.rename(`${dir}/gw.db`, `${dir}/aside.db`);
    assert.deepEqual(await readiness.reasons(), ["database file was removed"]);
    assert.deepEqual(await readiness.reasons(), ["database file was removed"]);
    assert.equal(reports.length, 1);
    assert.match(reports[0], /gw\.db was removed while gw runs/);
    await Deno.rename(`${dir}/aside.db`, `${dir}/gw.db`);
    assert.deepEqual(await readiness.reasons(), []);
    assert.equal(reports.length, 2);
    assert.match(reports[1], /is back/);
  });

  it("names a database file replaced by another", async () => {
    const { dir, readiness, reports } = await watched();
    const other = await Deno.makeTempDir();
    (await openDatabase(`file:${other}/gw.db`)).client.close();
    await Deno.rename(`${other}/gw.db`, `${dir}/gw.db`);
    await Deno.remove(other, { recursive: true });
    assert.deepEqual(await readiness.reasons(), ["database file was replaced"]);
    assert.equal(reports.length, 1);
    assert.match(reports[0], /gw\.db was replaced while gw runs/);
  });

  it("fails once the request log has been failing for longer than the grace", async () => {
    let failingSince: number | undefined;
    const { readiness, clock } = await watched(() => failingSince);
    failingSince = clock.now - 2000;
    assert.deepEqual(await readiness.reasons(), []);
    clock.now += 4000;
    assert.deepEqual(await readiness.reasons(), ["request log writes have been failing for 6 s"]);
    failingSince = undefined;
    assert.deepEqual(await readiness.reasons(), []);
  });

  it("names a database that does not take writes", async () => {
    const { dir, db } = await watched();
    db.client.close();
    // What a gw that may not write the file gets: SQLite opens it read-only. (Tests run as
    // root, whom a chmod does not stop, so the connection is opened read-only explicitly.)
    const readOnly: Database = { ...db, client: new LocalClient(`file:${dir}/gw.db?mode=ro`) };
    cleanups.push(() => Promise.resolve(readOnly.client.close()));
    const readiness = new Readiness(readOnly, { logFailingSince: () => undefined });
    assert.deepEqual(await readiness.reasons(), ["database is read-only"]);
  });

  it("probes writes without a file to watch, as for a libSQL server", async () => {
    const memory = await openDatabase(":memory:");
    cleanups.push(() => Promise.resolve(memory.client.close()));
    const readiness = new Readiness(memory, { logFailingSince: () => undefined });
    assert.deepEqual(await readiness.reasons(), []);
    await memory.client.execute("PRAGMA query_only = ON");
    assert.deepEqual(await readiness.reasons(), ["database is read-only"]);
  });
});
