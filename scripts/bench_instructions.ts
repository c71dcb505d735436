/**
 * Per-request cost as counted by valgrind's callgrind: instructions and cache misses of the
 * server process, for the bare floor, the metering floor and gw, on one connection. Counts do
 * not drift with the machine's speed (timing runs here vary by up to 2× over minutes), so they
 * can tell a 5 % change from noise. Kernel time is not counted.
 *
 * Needs valgrind (`apt-get install valgrind`). Each server runs ~50× slower under it: a run
 * takes several minutes.
 *
 * A server's timers run whether requests come or not, and under valgrind a request takes ~50×
 * longer, so timer work would land in the per-request count (more of it the slower the
 * machine). After the measured requests the server is left idle for as long as they took and
 * counted again; that idle count is subtracted.
 *
 * `--budgets` gives gw's key a team budget, a key budget and a team rate limit, all far from
 * their limits, as a deployment has them; `--only gw` skips the floors.
 *
 * deno run -A scripts/bench_instructions.ts [--requests 1000] [--warmup 300] [--budgets] [--only gw]
 */
import { parseArgs } from "node:util";
import { benchBody } from "./bench_body.ts";
import { gwCli, prepareGw, root, spawn, waitForPort } from "./processes.ts";

const { values: options } = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "1000" },
    warmup: { type: "string", default: "300" },
    budgets: { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const REQUESTS = Number(options.requests);
const WARMUP = Number(options.warmup);

interface Counts {
  instructions: number;
  l1Misses: number;
  llMisses: number;
  /** What the idle server executed in as long, per request: timers, subtracted above. */
  idleInstructions: number;
}

async function callgrindControl(option: string, pid: number): Promise<void> {
  const out = await new Deno.Command("callgrind_control", {
    args: [option, String(pid)],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`callgrind_control ${option}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

async function send(url: string, payload: string, count: number, key: string): Promise<void> {
  const headers = {
    "content-type": "application/json",
    "anthropic-version": "2023-06-01",
    authorization: `Bearer ${key}`,
    "x-gw-project": "bench",
  };
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/v1/messages`, { method: "POST", headers, body: payload });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${url}`);
  }
}

/** Counts what the server does for REQUESTS requests after WARMUP, in a fresh process. */
async function measure(
  args: string[],
  env: Record<string, string>,
  payload: string,
  key: string,
): Promise<Counts> {
  const dir = await Deno.makeTempDir({ prefix: "gw-callgrind-" });
  const child = new Deno.Command("valgrind", {
    args: [
      "--tool=callgrind",
      "--cache-sim=yes",
      "--instr-atstart=no",
      `--callgrind-out-file=${dir}/out.%p`,
      Deno.execPath(),
      ...args,
    ],
    env,
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${await waitForPort(child)}`;
  await send(url, payload, WARMUP, key);
  await callgrindControl("--instr=on", child.pid);
  const started = performance.now();
  await send(url, payload, REQUESTS, key);
  const elapsed = performance.now() - started;
  await callgrindControl("--dump", child.pid);
  const busy = await newestSummary(dir, new Set());
  await callgrindControl("--zero", child.pid);
  await new Promise((resolve) => setTimeout(resolve, elapsed));
  await callgrindControl("--dump", child.pid);
  const idle = await newestSummary(dir, busy.files);
  child.kill("SIGKILL");
  await child.status;
  await Deno.remove(dir, { recursive: true });
  // Events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  const net = busy.summary.map((value, i) => value - (idle.summary[i] ?? 0));
  const [ir, , , i1, d1r, d1w, il, dlr, dlw] = net;
  return {
    instructions: ir / REQUESTS,
    l1Misses: (i1 + d1r + d1w) / REQUESTS,
    llMisses: (il + dlr + dlw) / REQUESTS,
    idleInstructions: idle.summary[0] / REQUESTS,
  };
}

/** The largest summary among dump files not seen before (a process's threads dump apart). */
async function newestSummary(dir: string, seen: Set<string>) {
  let summary: number[] = [];
  const files = new Set(seen);
  for await (const entry of Deno.readDir(dir)) {
    if (seen.has(entry.name)) continue;
    files.add(entry.name);
    const text = await Deno.readTextFile(`${dir}/${entry.name}`);
    const line = /^summary: (.*)$/m.exec(text)?.[1];
    const values = line?.split(" ").map(Number) ?? [];
    if ((values[0] ?? 0) > (summary[0] ?? 0)) summary = values;
  }
  return { summary, files };
}

/** A rough cycle estimate: an L1 miss costs ~10 cycles, a last-level miss ~100. */
const cycles = (c: Counts) => c.instructions + 10 * c.l1Misses + 100 * c.llMisses;

const upstream = spawn(0, ["run", "-A", "scripts/bench_upstream.ts"]);
const upstreamUrl = `http://127.0.0.1:${await waitForPort(upstream)}`;
const gw = await prepareGw(upstreamUrl);
// Under valgrind gw serves ~30 requests a second; flushing the log every 5 s instead of 250 ms
// keeps its batches near the size they have at full speed.
await Deno.writeTextFile(
  `${gw.dir}/config.json`,
  JSON.stringify({ log: { flushIntervalMs: 5000 } }),
);
const env = { ...gw.env, GW_CONFIG: `${gw.dir}/config.json` };
if (options.budgets) {
  for (
    const args of [
      ["budgets", "set", "--team", "bench", "--period", "month", "--usd", "1000000"],
      ["budgets", "set", "--key", gw.keyId, "--period", "day", "--usd", "100000"],
      ["limits", "set", "--team", "bench", "--rpm", "1000000"],
    ]
  ) await gwCli(args, gw.env);
}
const targets = {
  floor: ["run", "-A", "scripts/bench_floor.ts", upstreamUrl, "0", "bare"],
  metering: ["run", "-A", "scripts/bench_floor.ts", upstreamUrl, "0", "metering"],
  gw: ["run", "-A", "src/main.ts", "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "1"],
};
const chosen = Object.entries(targets).filter(([name]) => !options.only || name === options.only);
const lines = [
  `Deno ${Deno.version.deno}, callgrind, ${REQUESTS} requests after ${WARMUP}, one connection${
    options.budgets ? ", budgets and a rate limit" : ""
  }; idle timer work subtracted`,
  "",
  "| response | body | target | instructions/req | L1 misses/req | LL misses/req | est. cycles/req | × first | idle/req |",
  "|---|---|---|---|---|---|---|---|---|",
];
for (const stream of [false, true]) {
  for (const sizeKb of [2, 60]) {
    const payload = benchBody(sizeKb, stream);
    let floorCycles = 0;
    for (const [name, args] of chosen) {
      const counts = await measure(args, env, payload, gw.key);
      floorCycles ||= cycles(counts);
      const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
      lines.push(
        `| ${stream ? "SSE" : "JSON"} | ${sizeKb} KB | ${name} | ${k(counts.instructions)} | ${
          k(counts.l1Misses)
        } | ${counts.llMisses.toFixed(0)} | ${k(cycles(counts))} | ${
          (cycles(counts) / floorCycles).toFixed(2)
        } | ${k(counts.idleInstructions)} |`,
      );
      console.log(lines.at(-1));
    }
  }
}
upstream.kill("SIGTERM");
await upstream.status;
await Deno.remove(gw.dir, { recursive: true });
console.log("\n" + lines.join("\n"));
