/**
 * The route fuzzer for longer than the test suite runs it: seeded hostile requests against a
 * gw started in this process (temporary database, a fake Anthropic upstream, guardrails on).
 * Prints the status mix, every failure and the RSS; exits 1 on any failure.
 *
 * deno run -A scripts/fuzz.ts [--count 100000] [--seed 1] [--concurrency 16]
 */
import { parseArgs } from "node:util";
import { FakeAnthropic } from "../test/fakes/anthropic.ts";
import { startGw } from "../test/helpers/gw_harness.ts";
import { fuzz } from "../test/fuzz/hostile_requests.ts";
import { assignPolicy, upsertPolicy } from "../src/db/repos/guardrails_repo.ts";
import { parseRules } from "../src/guardrails/policy.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "100000" },
    seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "16" },
  },
});

const fake = new FakeAnthropic().start();
const gw = await startGw({ maxBodyBytes: 256 * 1024 });
await gw.addProvider("main", "anthropic", fake.url, fake.apiKey);
const key = (await gw.createKey({ team: "fuzz" })).secret;
await upsertPolicy(gw.db, {
  name: "default",
  rules: parseRules("aws_secret=redact,github_token=redact,email=redact,injection=flag"),
  limits: {},
}, "fuzz");
await assignPolicy(gw.db, { scope: "org", value: "", policy: "default" }, "fuzz");
await gw.gateway.refresh();

const started = performance.now();
const rssBefore = Deno.memoryUsage().rss;
const outcome = await fuzz({ url: gw.url, key, adminToken: "gwadm_test" }, {
  seed: Number(values.seed),
  count: Number(values.count),
  concurrency: Number(values.concurrency),
});
const seconds = (performance.now() - started) / 1000;
const rows = await gw.rows();
const gwErrors = rows.filter((row) => row.status >= 500).length;
console.log(`${outcome.sent} requests in ${seconds.toFixed(1)} s, seed ${values.seed}`);
console.log(`statuses ${JSON.stringify(outcome.statuses)}`);
console.log(
  `RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${
    (Deno.memoryUsage().rss / 2 ** 20).toFixed(0)
  } MB; ` +
    `${rows.length} log rows, ${gwErrors} with a 5xx`,
);
for (const failure of outcome.failures.slice(0, 50)) console.log(`FAIL ${failure}`);
await gw.stop();
await fake.stop();
Deno.exit(outcome.failures.length === 0 && gwErrors === 0 ? 0 : 1);
