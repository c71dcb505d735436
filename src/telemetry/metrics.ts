/**
 * Prometheus metrics, kept in memory per instance and fed from each finished request's log
 * row, so the request path pays one map update. Rendered in the text exposition format.
 */
import type { RequestLog } from "../logging/request_log.ts";
import { AuthRefusals } from "./auth_refusals.ts";

type Labels = Record<string, string>;

const LATENCY_BUCKETS_MS = [
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10000,
  30000,
  60000,
  120000,
  300000,
];
/** Label values come from clients (models, tags): bound the series so junk cannot grow them. */
const MAX_SERIES = 5000;

const NEEDS_ESCAPE = /[\\"\n]/;

function escapeLabel(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function key(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
}

/** Series are keyed by their rendered label set, built once per request on the hot path. */
class Counter {
  readonly values = new Map<string, number>();
  add(k: string, value = 1): void {
    if (!this.values.has(k) && this.values.size >= MAX_SERIES) return;
    this.values.set(k, (this.values.get(k) ?? 0) + value);
  }
}

class Histogram {
  readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  observe(k: string, value: number): void {
    let series = this.series.get(k);
    if (!series) {
      if (this.series.size >= MAX_SERIES) return;
      series = { buckets: LATENCY_BUCKETS_MS.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, series);
    }
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
      if (value <= LATENCY_BUCKETS_MS[i]) series.buckets[i]++;
    }
    series.sum += value;
    series.count++;
  }
}

export interface Gauges {
  logQueueDepth: number;
  logRowsDropped: number;
  logRowsWritten: number;
  /** Rows the database refused on their own and the log writer dropped. */
  logRowsQuarantined: number;
  circuits: Record<string, string>;
  budgets: { scope: string; value: string; period: string; member: string; fraction: number }[];
  /** Client connections; absent before the server listens. */
  connections?: {
    open: number;
    shed: Record<string, number>;
    refused: number;
    acceptErrors: number;
  };
}

export class Metrics {
  private readonly requests = new Counter();
  private readonly tokens = new Counter();
  private readonly cost = new Counter();
  private readonly guardrails = new Counter();
  private readonly latency = new Histogram();
  private readonly ttfb = new Histogram();
  /** Requests without a usable key: counted here, never logged as rows. */
  readonly authRefusals = new AuthRefusals();

  /** Records one finished request. */
  observe(row: RequestLog): void {
    const route = `provider="${escapeLabel(row.provider ?? "")}",model="${
      escapeLabel(row.servedModel ?? row.requestedModel ?? "")
    }"`;
    const base = `team="${escapeLabel(row.team ?? "")}",${route}`;
    this.requests.add(
      `${base},endpoint="${row.endpoint}",status="${row.status}",error_type="${
        escapeLabel(row.errorType ?? "")
      }"`,
    );
    if (row.endpoint === "messages") {
      this.tokens.add(`${base},kind="input"`, row.inputTokens);
      this.tokens.add(`${base},kind="output"`, row.outputTokens);
      this.tokens.add(
        `${base},kind="cache_write"`,
        row.cacheWrite5mTokens + row.cacheWrite1hTokens,
      );
      this.tokens.add(`${base},kind="cache_read"`, row.cacheReadTokens);
      this.cost.add(base, row.costUsd);
    }
    if (row.guardrails) {
      for (const [rule, count] of Object.entries(row.guardrails)) {
        this.guardrails.add(key({ rule }), count);
      }
    }
    if (row.provider && row.latencyMs !== null) this.latency.observe(route, row.latencyMs);
    if (row.provider && row.ttfbMs !== null) this.ttfb.observe(route, row.ttfbMs);
  }

  render(gauges: Gauges): string {
    const out: string[] = [];
    const counter = (name: string, help: string, c: Counter) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of c.values) out.push(`${name}{${labels}} ${value}`);
    };
    const histogram = (name: string, help: string, h: Histogram) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const [labels, series] of h.series) {
        const sep = labels ? "," : "";
        LATENCY_BUCKETS_MS.forEach((bound, i) =>
          out.push(`${name}_bucket{${labels}${sep}le="${bound}"} ${series.buckets[i]}`)
        );
        out.push(
          `${name}_bucket{${labels}${sep}le="+Inf"} ${series.count}`,
          `${name}_sum{${labels}} ${series.sum}`,
          `${name}_count{${labels}} ${series.count}`,
        );
      }
    };
    const gauge = (name: string, help: string, value: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    counter(
      "gw_requests_total",
      "Requests by team, provider, model, endpoint, status and error type.",
      this.requests,
    );
    out.push(
      "# HELP gw_auth_refusals_total Requests refused for want of a usable gw key, by reason.",
      "# TYPE gw_auth_refusals_total counter",
    );
    for (const [reason, count] of Object.entries(this.authRefusals.totals())) {
      out.push(`gw_auth_refusals_total{reason="${reason}"} ${count}`);
    }
    counter("gw_tokens_total", "Tokens by team, provider, model and kind.", this.tokens);
    counter("gw_cost_usd_total", "Cost in USD by team, provider and model.", this.cost);
    counter(
      "gw_guardrail_matches_total",
      "Guardrail matches by rule (output rules prefixed output:).",
      this.guardrails,
    );
    histogram("gw_request_duration_ms", "Request duration in milliseconds.", this.latency);
    histogram(
      "gw_time_to_first_byte_ms",
      "Time to the first response byte in milliseconds.",
      this.ttfb,
    );
    gauge("gw_log_queue_depth", "Request log rows waiting to be written.", gauges.logQueueDepth);
    gauge(
      "gw_log_rows_dropped_total",
      "Request log rows dropped because the queue was full.",
      gauges.logRowsDropped,
    );
    gauge("gw_log_rows_written_total", "Request log rows written.", gauges.logRowsWritten);
    out.push(
      "# HELP gw_log_rows_quarantined_total Request log rows the database refused, dropped by id.",
      "# TYPE gw_log_rows_quarantined_total counter",
      `gw_log_rows_quarantined_total ${gauges.logRowsQuarantined}`,
    );
    out.push(
      "# HELP gw_circuit_open Circuit state per target: 0 closed, 0.5 half-open, 1 open.",
      "# TYPE gw_circuit_open gauge",
    );
    for (const [target, state] of Object.entries(gauges.circuits)) {
      out.push(
        `gw_circuit_open{${key({ target })}} ${
          state === "open" ? 1 : state === "half_open" ? 0.5 : 0
        }`,
      );
    }
    out.push(
      "# HELP gw_budget_utilization Spent over limit for each budget counter in its current period.",
      "# TYPE gw_budget_utilization gauge",
    );
    for (const b of gauges.budgets) {
      out.push(
        `gw_budget_utilization{${
          key({ scope: b.scope, value: b.value, period: b.period, member: b.member })
        }} ${b.fraction}`,
      );
    }
    if (gauges.connections) {
      const { open, shed, refused, acceptErrors } = gauges.connections;
      gauge("gw_connections_open", "Client connections open now.", open);
      out.push(
        "# HELP gw_connections_shed_total Client connections gw closed because they did no work.",
        "# TYPE gw_connections_shed_total counter",
      );
      for (const [reason, count] of Object.entries(shed)) {
        out.push(`gw_connections_shed_total{reason="${reason}"} ${count}`);
      }
      out.push(
        "# HELP gw_connections_refused_total New clients turned away: every connection was busy.",
        "# TYPE gw_connections_refused_total counter",
        `gw_connections_refused_total ${refused}`,
        "# HELP gw_connections_accept_errors_total Accepts that failed, e.g. out of descriptors.",
        "# TYPE gw_connections_accept_errors_total counter",
        `gw_connections_accept_errors_total ${acceptErrors}`,
      );
    }
    return out.join("\n") + "\n";
  }
}
