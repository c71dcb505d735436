import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openDatabase } from "./client.ts";
import { fileChange } from "./file_identity.ts";

describe("openDatabase", () => {
  it("creates the database and its -wal and -shm files readable by the owner only", async () => {
    const dir = await Deno.makeTempDir();
    // A permissive umask must not widen them either.
    const umask = Deno.umask(0o022);
    const db = await openDatabase(`file:${dir}/gw.db`);
    try {
      await db.client.execute("CREATE TABLE t (x)");
      await db.client.execute("INSERT INTO t VALUES (1)");
      for (const name of ["gw.db", "gw.db-wal", "gw.db-shm"]) {
        const mode = (await Deno.stat(`${dir}/${name}`)).mode! & 0o777;
        assert.equal(mode.toString(8), "600", name);
      }
    } finally {
      Deno.umask(umask);
      db.client.close();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("remembers which file it opened, to notice it being removed or replaced", async () => {
    const dir = await Deno.makeTempDir();
    const db = await openDatabase(`file:${dir}/gw.db`);
    try {
      assert.equal(db.file?.path, `${dir}/gw.db`);
      assert.equal(await fileChange(db.file.path, db.file.identity), undefined);
      await Deno.rename(`${dir}/gw.db`, `${dir}/moved.db`);
      assert.equal(await fileChange(db.file.path, db.file.identity), "removed");
      await Deno.writeTextFile(`${dir}/gw.db`, "");
      assert.equal(await fileChange(db.file.path, db.file.identity), "replaced");
      await Deno.rename(`${dir}/moved.db`, `${dir}/gw.db`);
      assert.equal(await fileChange(db.file.path, db.file.identity), undefined);
    } finally {
      db.client.close();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("has no file to watch in memory", async () => {
    const db = await openDatabase(":memory:");
    assert.equal(db.file, undefined);
    db.client.close();
  });
});
