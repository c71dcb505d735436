/** Claude Code's gateway sign-in (OAuth device flow) against a real gw over HTTP. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { listKeys, revokeKey } from "../../src/db/repos/keys_repo.ts";
import { upsertBudget } from "../../src/db/repos/budgets_repo.ts";
import { budget } from "../helpers/budgets.ts";

describe("gateway sign-in", () => {
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

  const form = (path: string, fields: Record<string, string>) =>
    fetch(gw.url + path, { method: "POST", body: new URLSearchParams(fields) });
  const poll = (deviceCode: string) =>
    form("/oauth/token", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: deviceCode,
    });
  const start = async () =>
    await (await form("/oauth/device_authorization", { surface: "claude_code" })).json();

  it("signs Claude Code in with a key of its own, approved with the developer's gw key", async () => {
    const { secret, record } = await gw.createKey({
      team: "payments",
      user: "alice",
      project: "checkout",
      models: ["claude-*"],
    });
    const metadata = await (await fetch(gw.url + "/.well-known/oauth-authorization-server"))
      .json();
    assert.equal(metadata.device_authorization_endpoint, `${gw.url}/oauth/device_authorization`);
    assert.equal(metadata.token_endpoint, `${gw.url}/oauth/token`);

    const device = await start();
    assert.match(device.user_code, /^[B-Z]{4}-[B-Z]{4}$/);
    assert.equal(device.verification_uri, `${gw.url}/device`);
    assert.equal(device.expires_in, 600);

    const pending = await poll(device.device_code);
    assert.equal(pending.status, 400);
    assert.equal((await pending.json()).error, "authorization_pending");
    assert.equal((await (await poll(device.device_code)).json()).error, "slow_down");

    const page = await fetch(`${device.verification_uri_complete}`);
    assert.match(await page.text(), new RegExp(device.user_code));
    const wrong = await form("/device", {
      user_code: device.user_code,
      key: "gw_" + "x".repeat(40),
    });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /Unknown gw key/);
    const approved = await form("/device", {
      user_code: device.user_code.toLowerCase().replace("-", ""),
      key: secret,
    });
    assert.equal(approved.status, 200);
    assert.match(await approved.text(), /signed in[\s\S]*payments[\s\S]*alice/);

    const token = await poll(device.device_code);
    assert.equal(token.status, 200, await token.clone().text());
    const { access_token, token_type, expires_in } = await token.json();
    assert.equal(token_type, "Bearer");
    assert.ok(expires_in > 29 * 86_400 && expires_in <= 30 * 86_400);
    assert.notEqual(access_token, secret);
    assert.equal((await (await poll(device.device_code)).json()).error, "invalid_grant");

    const issued = (await listKeys(gw.db)).find((k) => k.prefix === access_token.slice(0, 11))!;
    assert.deepEqual(
      [issued.team, issued.user, issued.project, issued.models],
      [record.team, record.user, record.project, record.models],
    );
    const send = () =>
      fetch(gw.url + "/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${access_token}` },
        body: JSON.stringify(messagesBody()),
      });
    const response = await send();
    assert.equal(response.status, 200);
    await response.text();
    const row = (await gw.rows()).at(-1)!;
    assert.deepEqual([row.keyId, row.team, row.user], [issued.id, "payments", "alice"]);

    // Revoking the developer's key ends what their sign-ins minted too.
    await revokeKey(gw.db, record, "test");
    await gw.gateway.refresh();
    const refused = await send();
    assert.equal(refused.status, 401);
    assert.match((await refused.json()).error.message, /revoked/);
  });

  it("refuses unknown codes, refresh grants and a second approval", async () => {
    const { secret } = await gw.createKey({ team: "payments", user: "bob" });
    assert.equal((await (await poll("not-a-device-code")).json()).error, "invalid_grant");
    const refresh = await form("/oauth/token", { grant_type: "refresh_token", refresh_token: "x" });
    assert.equal(refresh.status, 401);
    assert.equal((await refresh.json()).error, "invalid_grant");
    const unknown = await form("/device", { user_code: "BBBB-BBBB", key: secret });
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /expired or was used/);
    const device = await start();
    assert.equal((await form("/device", { user_code: device.user_code, key: secret })).status, 200);
    const again = await form("/device", { user_code: device.user_code, key: secret });
    assert.equal(again.status, 400);
    await again.text();
    const managed = await fetch(gw.url + "/managed/settings");
    assert.equal(managed.status, 404);
    await managed.body?.cancel();
  });

  it("reports the developer's own caps on /api/oauth/usage", async () => {
    const { secret } = await gw.createKey({ team: "reported", user: "carol" });
    const usage = (key = secret) =>
      fetch(gw.url + "/api/oauth/usage", { headers: { authorization: `Bearer ${key}` } });
    const none = await usage();
    assert.equal(none.status, 404);
    assert.equal((await none.json()).error.type, "not_found_error");
    const anonymous = await usage("");
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    await upsertBudget(gw.db, budget({ value: "reported", limitUsd: 500 }), "test");
    await gw.gateway.refresh();
    const report = await (await usage()).json();
    assert.deepEqual(report.extra_usage, {
      is_enabled: true,
      monthly_limit: 50_000,
      used_credits: 0,
      utilization: 0,
      currency: "USD",
    });
    assert.equal(report.limits[0].group, "monthly");
    assert.equal(report.limits[0].is_active, true);
    assert.match(report.limits[0].resets_at, /^\d{4}-\d\d-01T00:00:00\.000Z$/);
  });
});
