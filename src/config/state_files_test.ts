import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "./load.ts";
import { ADMIN_TOKEN_FILE, loadSecrets, MASTER_KEY_FILE } from "./state_files.ts";

describe("loadSecrets", () => {
  it("creates the master key and admin token readable by the owner only, then reuses them", async () => {
    const dir = await Deno.makeTempDir();
    const umask = Deno.umask(0o022);
    try {
      const config = parseConfig({ dbUrl: `file:${dir}/gw.db` }, "test");
      const created = await loadSecrets(config, true);
      assert.deepEqual(created.created, [
        `${dir}/${MASTER_KEY_FILE}`,
        `${dir}/${ADMIN_TOKEN_FILE}`,
      ]);
      for (const file of created.created) {
        assert.equal(((await Deno.stat(file)).mode! & 0o777).toString(8), "600", file);
      }
      const again = await loadSecrets(config, false);
      assert.equal(again.masterKey, created.masterKey);
      assert.equal(again.adminToken, created.adminToken);
      assert.deepEqual(again.created, []);
    } finally {
      Deno.umask(umask);
      await Deno.remove(dir, { recursive: true });
    }
  });
});
