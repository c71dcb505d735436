/**
 * Hard budgets across processes: one and two `gw serve` processes, and one with two workers,
 * on one database file take 50 and 200 concurrent requests against a team budget, then
 * sequential ones until refused.
 * Whatever the split, what is spent stays within the limit plus one request's cost.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { messagesBody } from "../helpers/gw_harness.ts";
import { type GwProcess, processDatabase, serveProcess } from "../helpers/gw_process.ts";
import { runGw } from "../helpers/claude_code.ts";

// 1000 input + 1000 output tokens of claude-sonnet-5-5: $0.018 per request.
const USAGE = { input_tokens: 1000, output_tokens: 1000 };
const COST = 0.018;
const LIMIT = COST * 10;

describe("a hard budget shared by processes on one database", () => {
  let fake: FakeAnthropic;
  let dir: string;
  let env: Record<string, string>;
  const overshoot: string[] = [];

  before(async () => {
    fake = new FakeAnthropic().start();
    fake.fallback = { usage: USAGE, eventDelayMs: 5 };
    ({ dir, env } = await processDatabase(fake, "gwadm_budgets"));
  });
  after(async () => {
    console.log(`spent of the limit:\n${overshoot.join("\n")}`);
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  });

  async function teamWithBudget(team: string): Promise<string> {
    for (
      const args of [
        ["teams", "create", team],
        ["budgets", "set", "--team", team, "--period", "month", "--usd", String(LIMIT)],
      ]
    ) {
      const result = await runGw(args, env);
      assert.equal(result.code, 0, result.stderr);
    }
    const created = await runGw(["keys", "create", "--team", team, "--json"], env);
    assert.equal(created.code, 0, created.stderr);
    return JSON.parse(created.stdout).key;
  }

  const send = (gw: GwProcess, key: string) =>
    fetch(gw.url + "/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify(messagesBody({ model: "claude-sonnet-5-5", max_tokens: 1000 })),
    }).then(async (response) => ({ status: response.status, text: await response.text() }));

  const layouts = [
    { name: "1 process", processes: 1, workers: 1 },
    { name: "2 processes", processes: 2, workers: 1 },
    { name: "1 process with --workers 2", processes: 1, workers: 2 },
  ];
  for (const { name, processes, workers } of layouts) {
    for (const concurrency of [50, 200]) {
      it(`holds at ${concurrency} concurrent requests on ${name}`, async () => {
        const team = `t${processes}x${workers}x${concurrency}`;
        const key = await teamWithBudget(team);
        const gws = await Promise.all(
          Array.from(
            { length: processes },
            () => serveProcess(env, { serveArgs: ["--workers", String(workers)] }),
          ),
        );
        try {
          const answers = await Promise.all(
            Array.from({ length: concurrency }, (_, i) => send(gws[i % processes], key)),
          );
          for (const answer of answers.filter((a) => a.status !== 200)) {
            assert.equal(answer.status, 429, answer.text);
            assert.match(JSON.parse(answer.text).error.message, /Budget (nearly )?exhausted/);
          }
          // Then one at a time, alternating processes, until every process refuses.
          for (let i = 0; i < 40; i++) {
            const answers = await Promise.all(gws.map((gw) => send(gw, key)));
            if (answers.every((a) => a.status === 429)) break;
          }
        } finally {
          for (const gw of gws) {
            const { status, stderr } = await gw.stop();
            assert.equal(status.code, 0, stderr);
          }
        }
        const usage = await runGw(["usage", "--by", "team", "--since", "1d", "--json"], env);
        const row = JSON.parse(usage.stdout).find((r: { team: string }) => r.team === team);
        const spent: number = row.costUsd;
        overshoot.push(
          `  ${name}, ${concurrency} concurrent: ${(100 * spent / LIMIT).toFixed(0)} %`,
        );
        assert.ok(spent <= LIMIT + COST + 1e-9, `spent $${spent} of $${LIMIT}`);
        assert.ok(spent >= LIMIT * 0.5, `spent only $${spent} of $${LIMIT}`);
      });
    }
  }
});
