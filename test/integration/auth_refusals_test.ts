/**
 * Requests without a usable key cost a counter, not a log row: a flood of bad keys must not
 * grow the database. Requests with a usable key keep their rows whatever refuses them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { countRequests, listRequests } from "../../src/db/repos/requests_repo.ts";
import { revokeKey } from "../../src/db/repos/keys_repo.ts";

const ADMIN = { authorization: "Bearer gwadm_test" };

describe("auth refusals", () => {
  let gw: Harness;
  let fake: FakeAnthropic;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const metric = async (reason: string) => {
    const text = await (await fetch(gw.url + "/metrics", { headers: ADMIN })).text();
    const match = text.match(
      new RegExp(`^gw_auth_refusals_total\\{reason="${reason}"\\} (\\d+)$`, "m"),
    );
    assert.ok(match, `no gw_auth_refusals_total for ${reason} in\n${text}`);
    return Number(match[1]);
  };

  it("counts 401s per reason on every proxy route and writes no row for them", async () => {
    const { secret: revoked, record } = await gw.createKey({ user: "revoked" });
    await revokeKey(gw.db, record, "test");
    const { secret: expired } = await gw.createKey({ expiresAt: Date.now() - 1000 });
    await gw.gateway.refresh();
    await gw.gateway.logWriter.flush();
    const rowsBefore = await countRequests(gw.db);

    const paths = [
      "/v1/messages",
      "/v1/messages/count_tokens",
      "/bedrock/model/us.anthropic.claude-opus-4-1-20250805-v1:0/invoke",
      "/vertex/v1/projects/p/locations/l/publishers/anthropic/models/claude-opus-4-1:rawPredict",
    ];
    const credentials: Record<string, Record<string, string>> = {
      missing: {},
      not_gw_key: { "x-api-key": "sk-ant-api03-xyz" },
      unknown: { authorization: `Bearer gw_${"A".repeat(40)}` },
      revoked: { "x-api-key": revoked },
      expired: { "x-api-key": expired },
    };
    const body = JSON.stringify(messagesBody());
    const sent: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const reason = Object.keys(credentials)[i % 5];
      sent[reason] = (sent[reason] ?? 0) + 1;
      const response = await fetch(gw.url + paths[i % paths.length], {
        method: "POST",
        headers: { "content-type": "application/json", ...credentials[reason] },
        body,
      });
      assert.equal(response.status, 401);
      const error = await response.json();
      assert.equal(error.error.type, "authentication_error");
    }

    await gw.gateway.logWriter.flush();
    assert.equal(await countRequests(gw.db), rowsBefore, "no row for a request without a key");
    for (const [reason, count] of Object.entries(sent)) assert.equal(await metric(reason), count);

    const report = await (await fetch(gw.url + "/admin/refusals", { headers: ADMIN })).json();
    assert.equal(report.totals.unknown, 40);
    const perMinute = report.minutes.reduce(
      (sum: number, m: { counts: Record<string, number> }) =>
        sum + Object.values(m.counts).reduce((a, b) => a + b, 0),
      0,
    );
    assert.equal(perMinute, 200, "the last hour's minutes hold every refusal");
  });

  it("keeps the row of a request with a usable key that is refused for another reason", async () => {
    const { secret, record } = await gw.createKey({ models: ["claude-haiku-*"] });
    const response = await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": secret },
      body: JSON.stringify(messagesBody()),
    });
    assert.equal(response.status, 403);
    await response.body?.cancel();
    await gw.gateway.logWriter.flush();
    const [row] = await listRequests(gw.db, { limit: 1 });
    assert.deepEqual([row.keyId, row.status, row.errorType], [record.id, 403, "permission_error"]);
  });

  it("counts a refused /v1/models too", async () => {
    const before = await metric("missing");
    const response = await fetch(gw.url + "/v1/models");
    assert.equal(response.status, 401);
    await response.body?.cancel();
    assert.equal(await metric("missing"), before + 1);
  });
});
