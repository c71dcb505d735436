/**
 * Soak test: N concurrent streaming requests for S seconds through gw to the fake upstream
 * (default 500 for 60 s), all on loopback. Reports requests, errors, throughput, gw's RSS over
 * time and whether every request got its log row.
 *
 * deno run -A scripts/load.ts [--connections 500] [--seconds 60]
 */
import { parseArgs } from "node:util";
import { gwCli, peakRssMb, spawn, waitForPort } from "./processes.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    connections: { type: "string", default: "500" },
    seconds: { type: "string", default: "60" },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1]) / 1024;
}

const dir = await Deno.makeTempDir({ prefix: "gw-load-" });
const env = {
  GW_DB_URL: `file:${dir}/gw.db`,
  GW_MASTER_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
  PROVIDER_KEY: "sk-load",
};
const upstream = spawn(0, ["run", "-A", "scripts/bench_upstream.ts"]);
const upstreamUrl = `http://127.0.0.1:${await waitForPort(upstream)}`;
await gwCli([
  "providers",
  "add",
  "anthropic",
  "--name",
  "load",
  "--base-url",
  upstreamUrl,
  "--api-key-env",
  "PROVIDER_KEY",
], env);
await gwCli(["teams", "create", "load"], env);
const key = JSON.parse(await gwCli(["keys", "create", "--team", "load", "--json"], env)).key;
const gw = spawn(
  1,
  ["run", "-A", "src/main.ts", "serve", "--host", "127.0.0.1", "--port", "0"],
  env,
);
const url = `http://127.0.0.1:${await waitForPort(gw)}/v1/messages`;

const body = JSON.stringify({
  model: "claude-sonnet-5-5",
  max_tokens: 4096,
  stream: true,
  messages: [{ role: "user", content: "x".repeat(8000) }],
});
const deadline = performance.now() + seconds * 1000;
let requests = 0;
let errors = 0;
const rss: number[] = [];
const sampler = setInterval(() => rss.push(rssMb(gw.pid)), 5000);
await Promise.all(Array.from({ length: connections }, async () => {
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body,
      });
      const text = await response.text();
      if (response.status !== 200 || !text.includes("message_stop")) errors++;
    } catch {
      errors++;
    }
    requests++;
  }
}));
clearInterval(sampler);
const peak = peakRssMb(gw.pid);
gw.kill("SIGTERM");
await gw.status;
const logged = await gwCli(["usage", "--by", "team", "--since", "1h", "--json"], env);
const rows = JSON.parse(logged).reduce(
  (sum: number, row: { requests: number }) => sum + row.requests,
  0,
);
upstream.kill("SIGTERM");
await upstream.status;
await Deno.remove(dir, { recursive: true });
console.log(JSON.stringify(
  {
    connections,
    seconds,
    requests,
    errors,
    requestsPerSecond: Math.round(requests / seconds),
    logRows: rows,
    rssMbEvery5s: rss.map((v) => Math.round(v)),
    peakRssMb: Math.round(peak),
  },
  null,
  2,
));
