import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "./load.ts";
import { ADMIN_TOKEN_FILE, loadSecrets } from "./state_files.ts";
import { isAdmin } from "../server/app.ts";

describe("an empty admin token", () => {
  it("is refused in the config, blank or not", () => {
    for (const adminToken of ["", "   "]) {
      assert.throws(() => parseConfig({ adminToken }, "test"), /adminToken/);
    }
  });

  it("is refused in the token file instead of being used", async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/${ADMIN_TOKEN_FILE}`, "\n", { mode: 0o600 });
      const config = parseConfig({ dbUrl: `file:${dir}/gw.db`, masterKey: "k" }, "test");
      await assert.rejects(loadSecrets(config, true), /gw\.admin\.token is empty/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("never matches, whatever bearer is presented", () => {
    for (const authorization of [undefined, "", "Bearer ", "Bearer  ", "bearer"]) {
      const headers = new Headers(authorization === undefined ? {} : { authorization });
      assert.equal(isAdmin(headers, ""), false);
    }
    assert.equal(isAdmin(new Headers({ authorization: "Bearer gwadm_x" }), "gwadm_x"), true);
  });
});
