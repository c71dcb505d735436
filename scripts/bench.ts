/**
 * Proxy benchmark: the fake upstream direct, a bare Deno.serve + fetch pass-through (the floor),
 * the least a metering proxy does (body parsed, response relayed through gw's usage taps) and
 * gw (auth, tags, usage tap, request log on), in one run, for JSON and SSE responses,
 * ~2 KB and ~60 KB Claude-Code-like bodies, 1 and 64 connections. Servers under test run on
 * CPU 1, the upstream and the load generator on CPU 0 (when `taskset` exists).
 *
 * deno task bench [--seconds 2] [--repeat 3] [--out FILE]
 */
import { parseArgs } from "node:util";
import { benchBody as body } from "./bench_body.ts";

const { values: options } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "2" },
    repeat: { type: "string", default: "3" },
    out: { type: "string" },
  },
});
const SECONDS = Number(options.seconds);
const REPEAT = Number(options.repeat);
const hasTaskset = await tasksetAvailable();
import {
  cpuTicks,
  peakRssMb,
  prepareGw,
  root,
  spawn,
  tasksetAvailable,
  waitForPort,
} from "./processes.ts";

interface Result {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
}

async function load(
  url: string,
  payload: string,
  connections: number,
  headers: Record<string, string>,
  pid?: number,
): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const ticksBefore = pid ? cpuTicks(pid) : 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const response = await fetch(url + "/v1/messages", {
          method: "POST",
          headers,
          body: payload,
        });
        await response.arrayBuffer();
        if (response.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const ticks = pid ? cpuTicks(pid) - ticksBefore : 0;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    cpuMsPerRequest: pid ? (ticks * 10) / latencies.length : 0,
  };
}

const upstream = spawn(0, ["run", "-A", "scripts/bench_upstream.ts"]);
const upstreamUrl = `http://127.0.0.1:${await waitForPort(upstream)}`;
const { dir, env, key, guarded } = await prepareGw(upstreamUrl);
const floor = spawn(1, ["run", "-A", "scripts/bench_floor.ts", upstreamUrl]);
const floorUrl = `http://127.0.0.1:${await waitForPort(floor)}`;
const meter = spawn(1, ["run", "-A", "scripts/bench_floor.ts", upstreamUrl, "0", "metering"]);
const meterUrl = `http://127.0.0.1:${await waitForPort(meter)}`;
const gw = spawn(
  1,
  ["run", "-A", "src/main.ts", "serve", "--host", "127.0.0.1", "--port", "0"],
  env,
);
const gwUrl = `http://127.0.0.1:${await waitForPort(gw)}`;

const headers = {
  "content-type": "application/json",
  "anthropic-version": "2023-06-01",
  authorization: `Bearer ${key}`,
  "x-api-key": "sk-bench",
  "x-gw-project": "bench",
};
const guardedHeaders = { ...headers, authorization: `Bearer ${guarded.key}` };
const lines = [
  `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${SECONDS} s × ${REPEAT} per cell (medians), taskset ${
    hasTaskset ? "on" : "off"
  }`,
  "",
  "| response | body | conns | direct req/s | floor req/s | metering req/s | gw req/s | gw/floor | gw/metering | gw+guardrails/floor | floor CPU ms/req | metering CPU ms/req | gw CPU ms/req | gw/floor CPU | gw/metering CPU | gw+guardrails CPU ms/req | p50 direct/floor/gw ms | p99 floor/gw ms |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
];
// Let every server's JIT settle on both paths first: the first cell would otherwise pay for
// gw's compilation (measured: 4.4× the floor's CPU at one connection, 2.9× once warm).
for (const stream of [false, true]) {
  for (const url of [upstreamUrl, floorUrl, meterUrl, gwUrl]) {
    await load(url, body(2, stream), 64, headers).catch(() => {});
  }
  await load(gwUrl, body(2, stream), 64, guardedHeaders).catch(() => {});
}
for (const stream of [false, true]) {
  for (const sizeKb of [2, 60]) {
    const payload = body(sizeKb, stream);
    for (const connections of [1, 64]) {
      // Warm up every target's connection pools and JIT.
      for (const url of [upstreamUrl, floorUrl, meterUrl, gwUrl]) {
        await load(url, payload, connections, headers).catch(() => {});
      }
      // Targets take turns, REPEAT times: the machine's speed drifts, so each ratio compares
      // runs made seconds apart, and the medians are reported.
      const runs: Record<"direct" | "bare" | "metering" | "ours" | "guarded", Result[]> = {
        direct: [],
        bare: [],
        metering: [],
        ours: [],
        guarded: [],
      };
      for (let i = 0; i < REPEAT; i++) {
        runs.direct.push(await load(upstreamUrl, payload, connections, headers));
        runs.bare.push(await load(floorUrl, payload, connections, headers, floor.pid));
        runs.metering.push(await load(meterUrl, payload, connections, headers, meter.pid));
        runs.ours.push(await load(gwUrl, payload, connections, headers, gw.pid));
        runs.guarded.push(await load(gwUrl, payload, connections, guardedHeaders, gw.pid));
      }
      const med = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1];
      const of = (list: Result[], field: keyof Result) => med(list.map((r) => r[field]));
      const ratio = (a: Result[], b: Result[], field: "rps" | "cpuMsPerRequest") =>
        med(a.map((r, i) => r[field] / b[i][field]));
      const { direct, bare, metering, ours, guarded } = runs;
      const row = [
        stream ? "SSE" : "JSON",
        `${sizeKb} KB`,
        connections,
        of(direct, "rps").toFixed(0),
        of(bare, "rps").toFixed(0),
        of(metering, "rps").toFixed(0),
        of(ours, "rps").toFixed(0),
        ratio(ours, bare, "rps").toFixed(2),
        ratio(ours, metering, "rps").toFixed(2),
        ratio(guarded, bare, "rps").toFixed(2),
        of(bare, "cpuMsPerRequest").toFixed(3),
        of(metering, "cpuMsPerRequest").toFixed(3),
        of(ours, "cpuMsPerRequest").toFixed(3),
        ratio(ours, bare, "cpuMsPerRequest").toFixed(2),
        ratio(ours, metering, "cpuMsPerRequest").toFixed(2),
        of(guarded, "cpuMsPerRequest").toFixed(3),
        `${of(direct, "p50").toFixed(2)} / ${of(bare, "p50").toFixed(2)} / ${
          of(ours, "p50").toFixed(2)
        }`,
        `${of(bare, "p99").toFixed(2)} / ${of(ours, "p99").toFixed(2)}`,
      ];
      const errors = [direct, bare, metering, ours].map((list) =>
        list.reduce((n, r) => n + r.errors, 0)
      );
      if (errors.some((n) => n > 0)) row.push(`errors ${errors.join("/")}`);
      lines.push(`| ${row.join(" | ")} |`);
      console.log(lines.at(-1));
    }
  }
}
lines.push(
  "",
  `Peak RSS: floor ${peakRssMb(floor.pid).toFixed(0)} MB, metering ${
    peakRssMb(meter.pid).toFixed(0)
  } MB, gw ${peakRssMb(gw.pid).toFixed(0)} MB`,
);
console.log(lines.at(-1));
const { measureScan } = await import("./bench_guardrails.ts");
const fixture = JSON.parse(
  await Deno.readTextFile(`${root}test/fixtures/claude_code_request.json`),
);
const scan = measureScan(fixture, 200);
lines.push(
  `Guardrail scan, default policy, real ${scan.kb.toFixed(0)} KB Claude Code request: ${
    scan.msPerRequest.toFixed(3)
  } ms (${scan.msPer100Kb.toFixed(3)} ms per 100 KB)`,
);
console.log(lines.at(-1));
for (const child of [gw, meter, floor, upstream]) child.kill("SIGTERM");
await Promise.all([gw.status, meter.status, floor.status, upstream.status]);
await Deno.remove(dir, { recursive: true });
if (options.out) await Deno.writeTextFile(options.out, lines.join("\n") + "\n");
else console.log("\n" + lines.join("\n"));
