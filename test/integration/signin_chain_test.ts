/**
 * Keys minted by sign-ins, chained: A approves a sign-in that mints B, B approves one that
 * mints C. Revoking or rotating A (with the real CLI, against a running gw) ends B and C on
 * every request from then on; shortening A's expiry shortens theirs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { runGw } from "../helpers/claude_code.ts";
import { eventually, type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { findKey, updateKey } from "../../src/db/repos/keys_repo.ts";
import { listAudit } from "../../src/db/repos/audit_repo.ts";

/** How soon every instance must refuse a revoked key (the harness polls every 100 ms). */
const WITHIN_MS = 1000;

describe("sign-in chains", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let env: Record<string, string>;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    env = { GW_DB_URL: `file:${gw.dir}/gw.db`, GW_MASTER_KEY: gw.masterKey, NO_COLOR: "1" };
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const form = (path: string, fields: Record<string, string>) =>
    fetch(gw.url + path, { method: "POST", body: new URLSearchParams(fields) });

  /** Claude Code's `/login`, approved at `/device` with `approver`: the minted key's secret. */
  async function signIn(approver: string): Promise<string> {
    const device = await (await form("/oauth/device_authorization", { surface: "claude_code" }))
      .json();
    const approved = await form("/device", { user_code: device.user_code, key: approver });
    assert.equal(approved.status, 200, await approved.text());
    const token = await form("/oauth/token", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: device.device_code,
    });
    assert.equal(token.status, 200, await token.clone().text());
    return (await token.json()).access_token;
  }

  async function status(secret: string): Promise<number> {
    const response = await fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify(messagesBody()),
    });
    await response.body?.cancel();
    return response.status;
  }

  async function gwCli(...args: string[]) {
    const result = await runGw(args, env);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  }

  /** A → B → C through the real sign-in routes, each key working. */
  async function chain(options: { expiresAt?: number } = {}) {
    const a = await gw.createKey({ team: "payments", user: "alice", ...options });
    const b = await signIn(a.secret);
    const c = await signIn(b);
    for (const secret of [a.secret, b, c]) assert.equal(await status(secret), 200);
    return { a, b, c };
  }

  it("revoking A ends B, minted by A's sign-in, and C, minted by B's", async () => {
    const { a, b, c } = await chain();
    const bystander = await signIn((await gw.createKey({ team: "payments", user: "bob" })).secret);
    await gwCli("keys", "revoke", a.record.id);
    await eventually(async () => {
      assert.deepEqual([await status(b), await status(c)], [401, 401]);
    }, WITHIN_MS);
    assert.equal(await status(bystander), 200);
    const [cascade] = await listAudit(gw.db, 1);
    assert.deepEqual(
      [cascade.action, cascade.target, cascade.detail],
      ["key.chain_revoke", a.record.id, { cause: "key.revoke", keys: 2 }],
    );
  });

  it("rotating A ends the keys its sign-ins minted; its new secret signs in afresh", async () => {
    const { a, b, c } = await chain();
    const rotated = JSON.parse(await gwCli("keys", "rotate", a.record.id, "--json")).key;
    await eventually(async () => {
      assert.deepEqual(
        [await status(a.secret), await status(b), await status(c), await status(rotated)],
        [401, 401, 401, 200],
      );
    }, WITHIN_MS);
    assert.equal(await status(await signIn(rotated)), 200);
  });

  it("a minted key follows its approver's expiry down the chain and expires with it", async () => {
    const { a, b, c } = await chain({ expiresAt: Date.now() + 10 * 86_400_000 });
    const show = async (secret: string) =>
      JSON.parse(await gwCli("keys", "show", secret.slice(0, 11), "--json"));
    const approverExpiry = (await show(a.secret)).expiresAt;
    for (const minted of [b, c]) assert.equal((await show(minted)).expiresAt, approverExpiry);
    await gwCli("keys", "update", a.record.id, "--expires", "2h");
    const shortened = (await show(a.secret)).expiresAt;
    for (const minted of [b, c]) assert.equal((await show(minted)).expiresAt, shortened);

    // A's expiry arriving: set in the past rather than waited for.
    await updateKey(gw.db, (await findKey(gw.db, a.record.id))!, {
      expiresAt: Date.now() - 1,
    }, "test");
    await eventually(async () => {
      assert.deepEqual([await status(a.secret), await status(b), await status(c)], [401, 401, 401]);
    }, WITHIN_MS);
  });
});
