import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalClient } from "./local_client.ts";

describe("LocalClient", () => {
  it("reads and writes like @libsql/client, with booleans, dates and named arguments", async () => {
    const client = new LocalClient(":memory:");
    try {
      await client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER)");
      const inserted = await client.execute({
        sql: "INSERT INTO t (name, flag) VALUES (?, ?)",
        args: ["a", true],
      });
      assert.equal(inserted.rowsAffected, 1);
      assert.equal(inserted.lastInsertRowid, 1n);
      await client.execute({
        sql: "INSERT INTO t (name, flag) VALUES (:name, $flag)",
        args: { ":name": "b", $flag: new Date(5) },
      });
      const result = await client.execute("SELECT name, flag FROM t ORDER BY id");
      assert.deepEqual(result.columns, ["name", "flag"]);
      assert.deepEqual(result.rows.map((row) => ({ ...row })), [
        { name: "a", flag: 1 },
        { name: "b", flag: 5 },
      ]);
      await assert.rejects(
        client.execute({ sql: "SELECT ?", args: [undefined as unknown as null] }),
        /undefined/,
      );
    } finally {
      client.close();
    }
  });

  it("rolls a failed batch back entirely and stays usable", async () => {
    const client = new LocalClient(":memory:");
    try {
      await client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
      await assert.rejects(client.batch([
        { sql: "INSERT INTO t (id) VALUES (?)", args: [1] },
        { sql: "INSERT INTO t (id) VALUES (?)", args: [1] },
      ], "write"));
      assert.equal((await client.execute("SELECT count(*) AS n FROM t")).rows[0].n, 0);
      await client.batch([{ sql: "INSERT INTO t (id) VALUES (?)", args: [2] }], "write");
      assert.equal((await client.execute("SELECT count(*) AS n FROM t")).rows[0].n, 1);
    } finally {
      client.close();
    }
  });

  it("evicts the least recently used statement past its cache size and still runs it again", async () => {
    const client = new LocalClient(":memory:");
    try {
      for (let i = 0; i < 300; i++) {
        const result = await client.execute({ sql: `SELECT ? + ${i} AS v`, args: [1] });
        assert.equal(result.rows[0].v, 1 + i);
      }
      assert.equal((await client.execute({ sql: "SELECT ? + 0 AS v", args: [7] })).rows[0].v, 7);
    } finally {
      client.close();
    }
  });
});
