/**
 * `gw serve` with few file descriptors (`ulimit -n 256`) against more idle sockets than it has
 * descriptors: it must stay up and keep serving new clients, whether its connection cap holds
 * (the default, derived from the limit) or is set above the limit so that accepting itself runs
 * out of descriptors.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SecretBox } from "../../src/crypto/secret_box.ts";
import { eventually } from "../helpers/gw_harness.ts";
import { serveProcess } from "../helpers/gw_process.ts";

const DESCRIPTORS = 256;
const SOCKETS = 400;

async function serveWithFewDescriptors(dir: string, config: Record<string, unknown>) {
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  return await serveProcess({
    GW_DB_URL: `file:${dir}/gw.db`,
    GW_MASTER_KEY: SecretBox.generateMasterKey(),
    GW_ADMIN_TOKEN: "gwadm_connections",
  }, {
    args: ["--config", `${dir}/config.json`],
    serveArgs: ["--workers", "1"],
    ulimitFiles: DESCRIPTORS,
  });
}

describe("gw with fewer descriptors than idle sockets", () => {
  let dir: string;
  before(async () => {
    dir = await Deno.makeTempDir({ prefix: "gw-conns-" });
  });
  after(async () => {
    await Deno.remove(dir, { recursive: true });
  });

  for (
    const [name, server] of [
      ["under its default connection cap", {}],
      ["with a cap above the descriptor limit", { maxConnections: 100_000 }],
    ] as const
  ) {
    it(`stays up and serves a newcomer ${name}`, async () => {
      const gw = await serveWithFewDescriptors(dir, { server });
      const sockets: Deno.Conn[] = [];
      try {
        for (let i = 0; i < SOCKETS; i++) {
          sockets.push(await Deno.connect({ hostname: "127.0.0.1", port: gw.port }));
        }
        await eventually(async () => {
          const response = await fetch(gw.url + "/healthz");
          assert.equal(response.status, 200, await response.text());
        }, 15_000);
        const metrics = await fetch(gw.url + "/metrics", {
          headers: { authorization: "Bearer gwadm_connections" },
        }).then((response) => response.text());
        assert.match(
          metrics,
          /gw_connections_shed_total\{reason="(at_capacity|out_of_descriptors)"\} [1-9]/,
        );
      } finally {
        for (const socket of sockets) {
          try {
            socket.close();
          } catch {
            // Closed by gw.
          }
        }
      }
      const { status, stderr } = await gw.stop();
      assert.equal(status.code, 0, stderr);
      assert.doesNotMatch(stderr, /Uncaught/);
    });
  }
});
