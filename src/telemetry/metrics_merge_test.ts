import assert from "node:assert/strict";
import { it } from "node:test";
import { mergeMetrics } from "./metrics_merge.ts";

const worker = (requests: number, open: number, circuit: number) =>
  [
    "# HELP gw_requests_total Requests.",
    "# TYPE gw_requests_total counter",
    `gw_requests_total{team="a",status="200"} ${requests}`,
    "# HELP gw_request_duration_seconds Duration.",
    "# TYPE gw_request_duration_seconds histogram",
    `gw_request_duration_seconds_bucket{le="1"} ${requests}`,
    `gw_request_duration_seconds_sum ${requests / 2}`,
    `gw_request_duration_seconds_count ${requests}`,
    "# HELP gw_connections_open Open.",
    "# TYPE gw_connections_open gauge",
    `gw_connections_open ${open}`,
    "# HELP gw_circuit_open Circuit.",
    "# TYPE gw_circuit_open gauge",
    `gw_circuit_open{target="p/m"} ${circuit}`,
  ].join("\n") + "\n";

it("sums counters, histograms and counts across workers, keeps the worst circuit", () => {
  const text = mergeMetrics(
    [{ worker: 0, text: worker(3, 2, 0) }, { worker: 1, text: worker(4, 5, 1) }],
    { restarts: [0, 2] },
  );
  assert.match(text, /^gw_requests_total\{team="a",status="200"\} 7$/m);
  assert.match(text, /^gw_request_duration_seconds_bucket\{le="1"\} 7$/m);
  assert.match(text, /^gw_request_duration_seconds_sum 3\.5$/m);
  assert.match(text, /^gw_connections_open 7$/m);
  assert.match(text, /^gw_circuit_open\{target="p\/m"\} 1$/m);
  assert.match(text, /^gw_worker_requests_total\{worker="1"\} 4$/m);
  assert.match(text, /^gw_worker_restarts_total\{worker="1"\} 2$/m);
  assert.equal(text.match(/^# TYPE gw_requests_total counter$/gm)?.length, 1);
});

it("reports a worker that did not answer as down and sums the others", () => {
  const text = mergeMetrics(
    [{ worker: 0, text: worker(3, 2, 0) }, { worker: 1, text: undefined }],
    { restarts: [0, 0] },
  );
  assert.match(text, /^gw_worker_up\{worker="1"\} 0$/m);
  assert.match(text, /^gw_requests_total\{team="a",status="200"\} 3$/m);
});
