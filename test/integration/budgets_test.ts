import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { eventually, type Harness, messagesBody, startGw } from "../helpers/gw_harness.ts";
import { upsertBudget, upsertRateLimit } from "../../src/db/repos/budgets_repo.ts";
import { budget } from "../helpers/budgets.ts";

// 1000 input + 1000 output tokens of claude-sonnet-5-5: $0.012 per request.
const USAGE = { input_tokens: 1000, output_tokens: 1000 };
const COST = 0.012;

describe("budgets and rate limits", () => {
  let fake: FakeAnthropic;
  before(() => {
    fake = new FakeAnthropic().start();
    fake.fallback = { usage: USAGE, eventDelayMs: 2 };
  });
  after(() => fake.stop());

  async function gwWithKey(team: string, overrides: Record<string, unknown> = {}) {
    const gw = await startGw(overrides);
    await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
    const { secret, record } = await gw.createKey({ team });
    return { gw, key: secret, keyId: record.id };
  }

  const send = (gw: Harness, key: string, stream = true, extra: Record<string, unknown> = {}) =>
    fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify(
        messagesBody({ model: "claude-sonnet-5-5", max_tokens: 2000, stream, ...extra }),
      ),
    });

  it("holds 50 concurrent streams to the limit, each refusal explained", async () => {
    const { gw, key } = await gwWithKey("payments");
    const limit = COST * 5;
    try {
      await upsertBudget(gw.db, budget({ limitUsd: limit }), "test");
      await gw.gateway.refresh();
      const responses = await Promise.all(Array.from({ length: 50 }, () => send(gw, key)));
      const refused = responses.filter((r) => r.status !== 200);
      for (const response of responses.filter((r) => r.status === 200)) await response.text();
      assert.ok(refused.length > 0 && refused.length < 50);
      for (const response of refused) {
        assert.equal(response.status, 429);
        assert.equal(response.headers.get("x-should-retry"), "false");
        assert.match(response.headers.get("retry-after") ?? "", /^\d+$/);
        const body = await response.json();
        assert.equal(body.error.type, "billing_error");
        assert.match(
          body.error.message,
          /team payments: spent \$\d+\.\d\d .*of \$0\.06 this month; resets \d{4}-\d\d-01 00:00 UTC/,
        );
      }
      // Keep going one at a time until the budget is spent.
      for (let i = 0; i < 20; i++) {
        const response = await send(gw, key);
        await response.text();
        if (response.status === 429) break;
      }
      const last = await send(gw, key);
      assert.equal(last.status, 429);
      // The gateway protocol's rejected shape, without the claim and overage status, so
      // Claude Code prints gw's message as it is.
      assert.equal(last.headers.get("anthropic-ratelimit-unified-status"), "rejected");
      assert.equal(last.headers.get("anthropic-ratelimit-unified-overage-period"), "monthly");
      assert.equal(last.headers.get("anthropic-ratelimit-unified-overage-scope"), "group_pool");
      assert.equal(
        last.headers.get("anthropic-ratelimit-unified-overage-disabled-reason"),
        "org_spend_cap_reached",
      );
      assert.equal(
        last.headers.get("anthropic-ratelimit-unified-overage-surpassed-threshold"),
        "1",
      );
      assert.equal(last.headers.get("anthropic-ratelimit-unified-representative-claim"), null);
      assert.equal(last.headers.get("anthropic-ratelimit-unified-overage-status"), null);
      assert.match((await last.json()).error.message, /Budget exhausted for team payments/);
      const rows = (await gw.rows()).filter((r) => r.status === 200);
      const spent = rows.reduce((sum, row) => sum + row.costUsd, 0);
      assert.ok(spent <= limit * 1.1 + 1e-9, `spent ${spent} of ${limit}`);
      assert.ok(spent >= limit - COST, `the budget was used up (${spent})`);
    } finally {
      await gw.stop();
    }
  });

  it("never blocks count_tokens and reports utilisation to Claude Code", async () => {
    const { gw, key } = await gwWithKey("search");
    try {
      await upsertBudget(gw.db, budget({ value: "search", limitUsd: COST * 1.2 }), "test");
      await gw.gateway.refresh();
      const first = await send(gw, key, false);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get("anthropic-ratelimit-unified-status"), "allowed");
      assert.equal(
        first.headers.get("anthropic-ratelimit-unified-representative-claim"),
        "overage",
      );
      assert.equal(first.headers.get("anthropic-ratelimit-unified-overage-status"), "allowed");
      assert.equal(
        first.headers.get("anthropic-ratelimit-unified-overage-surpassed-threshold"),
        null,
        "no notice below 75 %",
      );
      assert.match(first.headers.get("anthropic-ratelimit-unified-reset") ?? "", /^\d{10}$/);
      await first.text();
      const second = await send(gw, key, false);
      assert.equal(second.headers.get("anthropic-ratelimit-unified-status"), "allowed_warning");
      assert.equal(
        second.headers.get("anthropic-ratelimit-unified-overage-status"),
        "allowed_warning",
      );
      // Two decimals, as the client reads it; gw's own header keeps the precision.
      assert.equal(second.headers.get("anthropic-ratelimit-unified-overage-utilization"), "0.83");
      assert.equal(second.headers.get("x-gw-budget-utilization"), "0.8333");
      assert.equal(
        second.headers.get("anthropic-ratelimit-unified-overage-surpassed-threshold"),
        "0.75",
      );
      assert.match(
        second.headers.get("anthropic-ratelimit-unified-overage-reset") ?? "",
        /^\d{10}$/,
      );
      assert.equal(
        second.headers.get("anthropic-ratelimit-requests-remaining"),
        null,
        "upstream quota headers are replaced",
      );
      await second.text();
      assert.equal((await send(gw, key)).status, 429);
      const metrics = await (await fetch(gw.url + "/metrics", {
        headers: { authorization: "Bearer gwadm_test" },
      })).text();
      assert.match(
        metrics,
        /gw_budget_utilization\{scope="team",value="search",period="month",member=""\} (1\.[0-9]+|2)/,
      );
      const count = await fetch(gw.url + "/v1/messages/count_tokens", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify(messagesBody()),
      });
      assert.equal(count.status, 200);
      await count.text();
    } finally {
      await gw.stop();
    }
  });

  it("applies per-member team budgets to each developer separately", async () => {
    const gw = await startGw();
    try {
      await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
      const alice = (await gw.createKey({ team: "mobile", user: "alice" })).secret;
      const bob = (await gw.createKey({ team: "mobile", user: "bob" })).secret;
      await upsertBudget(
        gw.db,
        budget({ value: "mobile", limitUsd: COST / 2, perMember: true }),
        "test",
      );
      await gw.gateway.refresh();
      assert.equal((await send(gw, alice, false)).status, 200);
      const refused = await send(gw, alice, false);
      assert.equal(refused.status, 429);
      assert.match((await refused.json()).error.message, /team mobile \(per member, alice\)/);
      const other = await send(gw, bob, false);
      assert.equal(other.status, 200);
      await other.text();
    } finally {
      await gw.stop();
    }
  });

  it("downgrades instead of blocking once past the threshold", async () => {
    const { gw, key } = await gwWithKey("research");
    try {
      await upsertBudget(
        gw.db,
        budget({
          value: "research",
          limitUsd: 10,
          hard: false,
          downgradeModel: "claude-haiku-5-5",
          downgradeAtPct: 0,
        }),
        "test",
      );
      await gw.gateway.refresh();
      const response = await send(gw, key, false);
      assert.equal(response.status, 200);
      await response.text();
      assert.equal(JSON.parse(fake.messageRequests().at(-1)!.body).model, "claude-haiku-5-5");
    } finally {
      await gw.stop();
    }
  });

  it("shares spend across instances within a second and keeps it across restarts", async () => {
    const { gw: first, key } = await gwWithKey("platform");
    const second = await startGw({}, { shareWith: first });
    try {
      await upsertBudget(first.db, budget({ value: "platform", limitUsd: COST / 2 }), "test");
      await first.gateway.refresh();
      await second.gateway.refresh();
      const response = await send(first, key, false);
      assert.equal(response.status, 200);
      await response.text();
      await first.gateway.logWriter.flush();
      await eventually(async () => {
        const refused = await send(second, key, false);
        assert.equal(refused.status, 429);
        await refused.text();
      }, 1000);
      await second.stop();
      const restarted = await startGw({}, { shareWith: first });
      try {
        const logged = (await first.rows()).filter((r) => r.team === "platform").reduce(
          (sum, r) => sum + r.costUsd,
          0,
        );
        const standing = restarted.gateway.budgets.states({
          keyId: "",
          identity: { team: "platform", department: null, user: null },
          tags: { team: "platform" } as never,
        });
        assert.ok(logged >= COST);
        assert.ok(
          Math.abs(standing[0].spent.usd - logged) < 1e-9,
          `${standing[0].spent.usd} vs ${logged}`,
        );
      } finally {
        await restarted.stop();
      }
    } finally {
      await first.stop();
    }
  });

  it("rate-limits requests per minute with retry-after", async () => {
    const { gw, key, keyId } = await gwWithKey("ops");
    try {
      await upsertRateLimit(gw.db, {
        scope: "key",
        value: keyId,
        rpm: 2,
        tpm: null,
        concurrent: null,
      }, "test");
      await gw.gateway.refresh();
      for (let i = 0; i < 2; i++) {
        assert.equal((await (await send(gw, key, false)).text()).length > 0, true);
      }
      const limited = await send(gw, key, false);
      assert.equal(limited.status, 429);
      assert.notEqual(limited.headers.get("x-should-retry"), "false");
      assert.ok(Number(limited.headers.get("retry-after")) >= 1);
      assert.equal((await limited.json()).error.type, "rate_limit_error");
    } finally {
      await gw.stop();
    }
  });
});
