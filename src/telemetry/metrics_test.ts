import assert from "node:assert/strict";
import { it } from "node:test";
import type { RequestLog } from "../logging/request_log.ts";
import { Metrics } from "./metrics.ts";

const GAUGES = {
  logQueueDepth: 0,
  logRowsDropped: 0,
  logRowsWritten: 0,
  logRowsQuarantined: 0,
  circuits: {},
  budgets: [],
};

it("escapes client-chosen label values and sums series with the same labels", () => {
  const metrics = new Metrics();
  const row = {
    team: "payments",
    provider: "main",
    requestedModel: 'evil"model\\\n',
    servedModel: null,
    endpoint: "messages",
    status: 200,
    errorType: null,
    inputTokens: 10,
    outputTokens: 5,
    cacheWrite5mTokens: 1,
    cacheWrite1hTokens: 2,
    cacheReadTokens: 3,
    costUsd: 0.5,
    latencyMs: 120,
    ttfbMs: 40,
    guardrails: { email: 2 },
  } as unknown as RequestLog;
  metrics.observe(row);
  metrics.observe(row);
  const text = metrics.render(GAUGES);
  const labels = 'team="payments",provider="main",model="evil\\"model\\\\\\n"';
  assert.ok(text.includes(`gw_tokens_total{${labels},kind="cache_write"} 6`), text);
  assert.ok(text.includes(`gw_cost_usd_total{${labels}} 1`));
  assert.ok(
    text.includes(
      `gw_requests_total{${labels},endpoint="messages",status="200",error_type=""} 2`,
    ),
  );
  assert.ok(text.includes('gw_request_duration_ms_bucket{provider="main",model="evil'));
  assert.ok(text.includes('gw_guardrail_matches_total{rule="email"} 4'));
});

it("renders auth refusals per reason, zero included", () => {
  const metrics = new Metrics();
  metrics.authRefusals.add("unknown");
  metrics.authRefusals.add("unknown");
  const text = metrics.render(GAUGES);
  assert.ok(text.includes('gw_auth_refusals_total{reason="unknown"} 2'), text);
  assert.ok(text.includes('gw_auth_refusals_total{reason="missing"} 0'), text);
  assert.ok(text.includes("# TYPE gw_auth_refusals_total counter"));
});

it("counts quarantined log rows", () => {
  const text = new Metrics().render({ ...GAUGES, logRowsQuarantined: 3 });
  assert.ok(text.includes("# TYPE gw_log_rows_quarantined_total counter"));
  assert.ok(text.includes("\ngw_log_rows_quarantined_total 3\n"), text);
});
