/**
 * Thousands of seeded hostile requests across every route (the Messages API in all three
 * client formats, sign-in, admin, metrics) against a gw with guardrails on: no gw-made 5xx, no
 * hang, Anthropic-format refusals with `x-should-retry: false`, no request content in any log
 * row, bounded memory, and a gw that still answers afterwards. `scripts/fuzz.ts` runs longer.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { type Harness, startGw } from "../helpers/gw_harness.ts";
import { fuzz } from "../fuzz/hostile_requests.ts";
import { assignPolicy, upsertPolicy } from "../../src/db/repos/guardrails_repo.ts";
import { parseRules } from "../../src/guardrails/policy.ts";

const COUNT = 5000;

describe("fuzzing every route", () => {
  let gw: Harness;
  let fake: FakeAnthropic;
  let key: string;

  before(async () => {
    fake = new FakeAnthropic().start();
    gw = await startGw({ maxBodyBytes: 256 * 1024 });
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    key = (await gw.createKey({ team: "fuzz" })).secret;
    await upsertPolicy(gw.db, {
      name: "default",
      rules: parseRules("aws_secret=redact,github_token=redact,email=redact,injection=flag"),
      limits: {},
    }, "test");
    await assignPolicy(gw.db, { scope: "org", value: "", policy: "default" }, "test");
    await gw.gateway.refresh();
  });
  after(async () => {
    await gw.stop();
    await fake.stop();
  });

  it(`holds for ${COUNT} hostile requests`, async () => {
    const rssBefore = Deno.memoryUsage().rss;
    const outcome = await fuzz({ url: gw.url, key, adminToken: "gwadm_test" }, {
      seed: 20261202,
      count: COUNT,
    });
    console.log("statuses", JSON.stringify(outcome.statuses));
    assert.deepEqual(outcome.failures, []);
    const health = await fetch(gw.url + "/healthz");
    assert.equal(health.status, 200, "gw is still up");
    await health.body?.cancel();
    const growth = (Deno.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(growth < 300, `RSS grew ${growth.toFixed(0)} MB`);
    const rows = await gw.rows();
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.ok(row.status < 500, `row ${row.id}: ${row.status} ${row.errorMessage}`);
      const text = JSON.stringify(row);
      assert.doesNotMatch(text, /hunter2|sk-ant-api03/, `row ${row.id} holds request content`);
      assert.ok(text.length < 8192, `row ${row.id} is ${text.length} characters`);
    }
  });
});
