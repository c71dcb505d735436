/**
 * What the admin bound to a key decides whose budgets and limits a request draws on; headers
 * only fill what the key leaves empty, and a key may be held to a list of projects.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { runGw } from "../helpers/claude_code.ts";
import { eventually, type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { budget } from "../helpers/budgets.ts";
import { upsertBudget, upsertRateLimit } from "../../src/db/repos/budgets_repo.ts";

// 1000 input + 1000 output tokens of claude-sonnet-5-5: $0.012 per request.
const COST = 0.012;
// Room for two requests: the third is refused.
const TWO_REQUESTS = COST * 1.5;

describe("attribution has an owner", () => {
  let fake: FakeAnthropic;
  let gw: Harness;
  before(async () => {
    fake = new FakeAnthropic().start();
    fake.fallback = { usage: { input_tokens: 1000, output_tokens: 1000 } };
    gw = await startGw();
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  const send = async (key: string, headers: Record<string, string> = {}, path = "/v1/messages") => {
    const response = await fetch(gw.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body: JSON.stringify(messagesBody({ model: "claude-sonnet-5-5", max_tokens: 2000 })),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };

  /** Sends `count` requests one after another; returns their statuses. */
  const statuses = async (count: number, request: (i: number) => ReturnType<typeof send>) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push((await request(i)).status);
    return out;
  };

  const addBudget = async (fields: Parameters<typeof budget>[0]) => {
    await upsertBudget(gw.db, budget({ limitUsd: TWO_REQUESTS, ...fields }), "test");
    await gw.gateway.refresh();
  };

  it("keeps a key's project: x-gw-project cannot dodge its project budget", async () => {
    const { secret } = await gw.createKey({ team: "t-project", project: "checkout" });
    await addBudget({ scope: "project", value: "checkout" });
    const seen = await statuses(6, () => send(secret, { "x-gw-project": "elsewhere" }));
    assert.deepEqual(seen, [200, 200, 429, 429, 429, 429]);
    const refused = await send(secret, { "x-gw-project": "elsewhere" });
    assert.match(refused.body.error.message, /Budget exhausted for project checkout/);
    const rows = (await gw.rows()).filter((r) => r.team === "t-project");
    assert.ok(rows.every((r) => r.project === "checkout"));
  });

  it("keeps a key's tags: x-gw-tag-* cannot dodge its tag budget", async () => {
    const { secret } = await gw.createKey({ team: "t-tag", tags: { cc: "foo" } });
    await addBudget({ scope: "tag", value: "cc=foo" });
    const seen = await statuses(6, () => send(secret, { "x-gw-tag-cc": "bar", "x-gw-tag-t": "1" }));
    assert.deepEqual(seen, [200, 200, 429, 429, 429, 429]);
    const rows = (await gw.rows()).filter((r) => r.team === "t-tag");
    assert.ok(rows.every((r) => r.tags.cc === "foo" && r.tags.t === "1"), "headers fill gaps");
  });

  it("counts a key without a user as one member, whatever user it declares", async () => {
    const { secret, record } = await gw.createKey({ team: "t-members", user: null });
    await addBudget({ value: "t-members", perMember: true });
    const seen = await statuses(6, (i) => send(secret, { "x-gw-user": `u${i}` }));
    assert.deepEqual(seen, [200, 200, 429, 429, 429, 429]);
    const refused = await send(secret, { "x-gw-user": "someone-new" });
    assert.match(
      refused.body.error.message,
      new RegExp(`team t-members \\(per member, key:${record.id}\\)`),
    );
    // The declared users are still recorded, for attribution.
    const rows = (await gw.rows()).filter((r) => r.team === "t-members");
    assert.deepEqual(rows.slice(0, 2).map((r) => r.user), ["u0", "u1"]);
  });

  it("never charges a declared user's budget", async () => {
    const impostor = (await gw.createKey({ team: "t-dave", user: null })).secret;
    const dave = (await gw.createKey({ team: "t-dave", user: "dave" })).secret;
    await addBudget({ scope: "user", value: "dave" });
    const seen = await statuses(4, () => send(impostor, { "x-gw-user": "dave" }));
    assert.deepEqual(seen, [200, 200, 200, 200], "the impostor is not limited as dave");
    assert.deepEqual(await statuses(3, () => send(dave)), [200, 200, 429], "dave's room intact");
    const rows = (await gw.rows()).filter((r) => r.team === "t-dave");
    assert.equal(rows.filter((r) => r.user === "dave").length, 7, "all attributed to dave");
  });

  it("never consumes a declared user's rate limit", async () => {
    const impostor = (await gw.createKey({ team: "t-rate", user: null })).secret;
    const erin = (await gw.createKey({ team: "t-rate", user: "erin" })).secret;
    await upsertRateLimit(gw.db, {
      scope: "user",
      value: "erin",
      rpm: 2,
      tpm: null,
      concurrent: null,
    }, "test");
    await gw.gateway.refresh();
    const seen = await statuses(4, () => send(impostor, { "x-gw-user": "erin" }));
    assert.deepEqual(seen, [200, 200, 200, 200]);
    const own = await statuses(2, () => send(erin));
    assert.deepEqual(own, [200, 200], "erin's bucket was still full");
    const limited = await send(erin);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.type, "rate_limit_error");
  });

  describe("keys restricted to projects", () => {
    let env: Record<string, string>;
    const gwCli = async (args: string[], code = 0) => {
      const result = await runGw(args, env);
      assert.equal(result.code, code, result.stdout + result.stderr);
      return result;
    };
    before(async () => {
      env = { GW_DB_URL: `file:${gw.dir}/gw.db`, GW_MASTER_KEY: gw.masterKey, NO_COLOR: "1" };
      await gwCli(["teams", "create", "t-restricted"]);
    });

    it("refuses a project outside the list with 403, over the CLI and HTTP", async () => {
      const bad = await gwCli(
        ["keys", "create", "--team", "t-restricted", "--project", "x", "--projects", "a,b"],
        2,
      );
      assert.match(bad.stderr, /project x is not in its projects \(a, b\)/);
      assert.match(
        (await gwCli(["keys", "create", "--team", "t-restricted", "--projects", ""], 2)).stderr,
        /--all-projects/,
      );

      const created = JSON.parse(
        (await gwCli([
          "keys",
          "create",
          "--team",
          "t-restricted",
          "--projects",
          "web, api",
          "--name",
          "restricted",
          "--json",
        ])).stdout,
      );
      assert.deepEqual(created.projects, ["web", "api"]);
      const key: string = created.key;

      assert.equal((await send(key, { "x-gw-project": "web" })).status, 200);
      const outside = await send(key, { "x-gw-project": "elsewhere" });
      assert.equal(outside.status, 403);
      assert.equal(outside.headers.get("x-should-retry"), "false");
      assert.equal(outside.body.error.type, "permission_error");
      assert.match(
        outside.body.error.message,
        /may not be used for project elsewhere; allowed: web, api/,
      );
      const huge = await send(key, { "x-gw-project": "p".repeat(4000) });
      assert.equal(huge.status, 403);
      assert.ok(huge.body.error.message.length < 300, "the client's project is clipped");
      const none = await send(key);
      assert.equal(none.status, 403);
      assert.match(none.body.error.message, /restricted to projects web, api.*names none/);
      const counting = await send(key, {}, "/v1/messages/count_tokens");
      assert.equal(counting.status, 403);

      // Shown in the CLI and the admin API.
      const shown = (await gwCli(["keys", "show", "restricted"])).stdout;
      assert.match(shown, /projects\s+web, api/);
      const listed = JSON.parse((await gwCli(["keys", "list", "--json"])).stdout);
      assert.deepEqual(listed.find((k: { id: string }) => k.id === created.id).projects, [
        "web",
        "api",
      ]);
      const admin = await fetch(gw.url + "/admin/keys", {
        headers: { authorization: "Bearer gwadm_test" },
      });
      const adminKeys = await admin.json();
      assert.deepEqual(adminKeys.find((k: { id: string }) => k.id === created.id).projects, [
        "web",
        "api",
      ]);

      // A bound project in the list: requests without the header use it; a header cannot move it.
      await gwCli(["keys", "update", "restricted", "--project", "api"]);
      await eventually(async () => assert.equal((await send(key)).status, 200));
      const moved = await send(key, { "x-gw-project": "elsewhere" });
      assert.equal(moved.status, 200);
      assert.equal((await gw.rows()).at(-1)!.project, "api");
      const update = await gwCli(["keys", "update", "restricted", "--projects", "web"], 2);
      assert.match(update.stderr, /project api is not in its projects \(web\)/);
      await gwCli(["keys", "update", "restricted", "--projects", "api", "--all-projects"], 2);

      await gwCli(["keys", "update", "restricted", "--project", "", "--all-projects"]);
      // Unbound and unrestricted again: the header fills the project.
      await eventually(async () => {
        assert.equal((await send(key, { "x-gw-project": "elsewhere" })).status, 200);
        assert.equal((await gw.rows()).at(-1)!.project, "elsewhere");
      });
      const cleared = JSON.parse((await gwCli(["keys", "show", "restricted", "--json"])).stdout);
      assert.deepEqual(cleared.projects, []);
    });
  });
});
