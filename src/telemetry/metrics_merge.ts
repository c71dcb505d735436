/**
 * One `/metrics` answer for a gw running several worker processes: every family summed across
 * workers (counters, histogram buckets, sums and counts add up; gauges that are a state — a
 * circuit, a budget's utilisation — take the highest), followed by a few per-worker series
 * that tell the workers apart. A scrape lands on any worker and reads the same totals.
 */

/** Gauges that describe a shared state: adding them across workers would be meaningless. */
const MAX_GAUGES = new Set(["gw_circuit_open", "gw_budget_utilization"]);
/** Per-worker families: the worker's own value, labelled with its index. */
const PER_WORKER = [
  ["gw_requests_total", "gw_worker_requests_total", "counter", "Requests served by each worker."],
  ["gw_connections_open", "gw_worker_connections_open", "gauge", "Client connections per worker."],
  ["gw_log_queue_depth", "gw_worker_log_queue_depth", "gauge", "Log rows queued per worker."],
] as const;

export interface WorkerMetrics {
  worker: number;
  /** Prometheus text, or undefined when the worker did not answer. */
  text: string | undefined;
}

interface Family {
  help: string;
  type: string;
  /** Series (name with labels) → value, in first-seen order. */
  series: Map<string, number>;
}

function familyOf(series: string): string {
  const name = series.split("{")[0];
  return name.replace(/_(bucket|sum|count)$/, "");
}

function parse(
  text: string,
  into: Map<string, Family>,
  combine: (family: string) => "sum" | "max",
) {
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const family = into.get(meta[2]) ?? { help: "", type: "untyped", series: new Map() };
      if (meta[1] === "HELP") family.help = meta[3];
      else family.type = meta[3];
      into.set(meta[2], family);
      continue;
    }
    const space = line.lastIndexOf(" ");
    const series = line.slice(0, space);
    const value = Number(line.slice(space + 1));
    const name = familyOf(series);
    const family = into.get(name) ?? into.get(series.split("{")[0]);
    if (!family || !Number.isFinite(value)) continue;
    const before = family.series.get(series);
    family.series.set(
      series,
      before === undefined
        ? value
        : combine(name) === "max"
        ? Math.max(before, value)
        : before + value,
    );
  }
}

function sumOf(text: string, name: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(name) && (line[name.length] === "{" || line[name.length] === " ")) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1)) || 0;
    }
  }
  return total;
}

/**
 * @example
 * mergeMetrics([{ worker: 0, text: own }, { worker: 1, text: sibling }], { restarts: [0, 1] });
 */
export function mergeMetrics(
  workers: readonly WorkerMetrics[],
  supervisor: { restarts: readonly number[] },
): string {
  const families = new Map<string, Family>();
  const combine = (family: string) => MAX_GAUGES.has(family) ? "max" : "sum";
  for (const { text } of workers) if (text !== undefined) parse(text, families, combine);
  const out: string[] = [];
  for (const [name, family] of families) {
    out.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
    for (const [series, value] of family.series) out.push(`${series} ${value}`);
  }
  out.push(
    "# HELP gw_worker_up Whether each worker answered this scrape.",
    "# TYPE gw_worker_up gauge",
  );
  for (const { worker, text } of workers) {
    out.push(`gw_worker_up{worker="${worker}"} ${text ? 1 : 0}`);
  }
  out.push(
    "# HELP gw_worker_restarts_total Times the supervisor restarted each worker.",
    "# TYPE gw_worker_restarts_total counter",
  );
  supervisor.restarts.forEach((count, worker) =>
    out.push(`gw_worker_restarts_total{worker="${worker}"} ${count}`)
  );
  for (const [source, name, type, help] of PER_WORKER) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const { worker, text } of workers) {
      if (text !== undefined) out.push(`${name}{worker="${worker}"} ${sumOf(text, source)}`);
    }
  }
  return out.join("\n") + "\n";
}
