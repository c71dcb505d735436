/**
 * What hostile clients cost a running `gw serve`, measured from outside the process:
 * - RSS and open descriptors while 1,500 idle sockets are held, and how soon gw closes them;
 * - peak RSS and the answer when a 200 MB body is sent to each route that reads one;
 * - the answer time for a 10,000-deep body under a guardrail policy;
 * - database growth from 20,000 requests without a valid key.
 *
 * deno run -A scripts/hostile.ts
 */
import { gwCli, peakRssMb, spawn, waitForPort } from "./processes.ts";

const dir = await Deno.makeTempDir({ prefix: "gw-hostile-" });
const env = {
  GW_DB_URL: `file:${dir}/gw.db`,
  GW_MASTER_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
  GW_ADMIN_TOKEN: "gwadm_hostile",
  PROVIDER_KEY: "sk-hostile",
  NO_COLOR: "1",
};
const upstream = spawn(0, ["run", "-A", "scripts/bench_upstream.ts"]);
const upstreamUrl = `http://127.0.0.1:${await waitForPort(upstream)}`;
await gwCli(
  [
    "providers",
    "add",
    "anthropic",
    "--name",
    "up",
    "--base-url",
    upstreamUrl,
    "--api-key-env",
    "PROVIDER_KEY",
  ],
  env,
);
await gwCli(["teams", "create", "hostile"], env);
const key = JSON.parse(await gwCli(["keys", "create", "--team", "hostile", "--json"], env)).key;
await gwCli(["guardrails", "set", "default", "--defaults"], env);
await gwCli(["guardrails", "assign", "default", "--org"], env);
const gw = spawn(
  1,
  ["run", "-A", "src/main.ts", "serve", "--host", "127.0.0.1", "--port", "0"],
  env,
);
const port = await waitForPort(gw);
const url = `http://127.0.0.1:${port}`;

const rssMb = () =>
  Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${gw.pid}/status`))![1]) / 1024;
const descriptors = () => [...Deno.readDirSync(`/proc/${gw.pid}/fd`)].length;
const results: Record<string, unknown> = {};

// 1. Idle sockets.
{
  const before = { rssMb: Math.round(rssMb()), fds: descriptors() };
  const sockets: Deno.Conn[] = [];
  for (let i = 0; i < 1500; i++) sockets.push(await Deno.connect({ hostname: "127.0.0.1", port }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const held = { rssMb: Math.round(rssMb()), fds: descriptors() };
  const started = performance.now();
  const health = await fetch(url + "/healthz");
  await health.body?.cancel();
  const healthMs = Math.round(performance.now() - started);
  const closedAt: number[] = [];
  await Promise.all(sockets.map(async (socket) => {
    const opened = performance.now();
    await socket.read(new Uint8Array(16)).catch(() => null);
    closedAt.push(performance.now() - opened);
    try {
      socket.close();
    } catch {
      // Closed by gw.
    }
  }));
  results.idleSockets = {
    count: 1500,
    before,
    held,
    healthzWhileHeldMs: healthMs,
    allClosedByGwAfterS: Number((Math.max(...closedAt) / 1000).toFixed(1)),
    after: { rssMb: Math.round(rssMb()), fds: descriptors() },
  };
}

// 2. 200 MB bodies, streamed in 64 KiB chunks without a length.
async function hugeBody(path: string, headers: Record<string, string>) {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 200 * 2 ** 20) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const started = performance.now();
  try {
    const response = await fetch(url + path, { method: "POST", headers, body });
    await response.body?.cancel();
    return {
      status: response.status,
      mbSentBeforeAnswer: Math.round(sent / 2 ** 20),
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    return { error: (error as Error).message.slice(0, 80), mbSent: Math.round(sent / 2 ** 20) };
  }
}
const api = { "content-type": "application/json", "x-api-key": key };
const form = { "content-type": "application/x-www-form-urlencoded" };
results.hugeBodies = {
  "/v1/messages": await hugeBody("/v1/messages", api),
  "/v1/messages/count_tokens": await hugeBody("/v1/messages/count_tokens", api),
  "/bedrock/model/…/invoke": await hugeBody("/bedrock/model/claude-opus-5-5/invoke", api),
  "/vertex/v1/…:rawPredict": await hugeBody(
    "/vertex/v1/projects/p/locations/l/publishers/anthropic/models/claude-opus-5-5:rawPredict",
    api,
  ),
  "/device": await hugeBody("/device", form),
  "/oauth/token": await hugeBody("/oauth/token", form),
  "/oauth/device_authorization": await hugeBody("/oauth/device_authorization", form),
  peakRssMb: Math.round(peakRssMb(gw.pid)),
};

// 3. A 10,000-deep tool_use input under the default guardrails.
{
  const depth = 10_000;
  const body = `{"model":"claude-opus-5-5","max_tokens":5,"messages":[{"role":"assistant",` +
    `"content":[{"type":"tool_use","id":"t","name":"x","input":${"[".repeat(depth)}"x"${
      "]".repeat(depth)
    }}]}]}`;
  const started = performance.now();
  const response = await fetch(url + "/v1/messages", { method: "POST", headers: api, body });
  const answer = await response.json();
  results.deepBody = {
    depth,
    status: response.status,
    ms: Math.round(performance.now() - started),
    message: answer.error?.message,
  };
}

// 4. Unauthenticated requests and the database's size.
{
  const size = () =>
    ["gw.db", "gw.db-wal"].reduce((sum, file) => {
      try {
        return sum + Deno.statSync(`${dir}/${file}`).size;
      } catch {
        return sum;
      }
    }, 0);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = size();
  const count = 20_000;
  let sent = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (sent < count) {
      sent++;
      const path = sent % 2 ? "/v1/messages" : "/oauth/device_authorization";
      const headers = sent % 2 ? { ...api, "x-api-key": `gw_bogus${sent}` } : form;
      const response = await fetch(url + path, { method: "POST", headers, body: "{}" });
      await response.body?.cancel();
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  results.unauthenticated = {
    requests: count,
    perSecond: Math.round(count / seconds),
    dbGrowthKb: Math.round((size() - before) / 1024),
  };
}

gw.kill("SIGTERM");
await gw.status;
upstream.kill("SIGTERM");
await upstream.status;
await Deno.remove(dir, { recursive: true });
console.log(JSON.stringify(results, null, 2));
