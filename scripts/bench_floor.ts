/**
 * The floors gw is measured against.
 *
 * - `bare`: the least any Deno proxy does — `Deno.serve` + `fetch`, the upstream body handed
 *   straight through.
 * - `metering`: the least a proxy that bills does — the request body parsed for its model, the
 *   response relayed through JavaScript with gw's own usage taps reading it (gw's relay reader,
 *   nothing else of gw: no key, log, limits or routing).
 *
 * deno run -A scripts/bench_floor.ts UPSTREAM_URL [PORT] [bare|metering]
 */
import { chunkReader } from "../src/streaming/chunk_reader.ts";
import { JsonUsageTap } from "../src/streaming/json_usage_tap.ts";
import { SseUsageTap } from "../src/streaming/sse_usage_tap.ts";
import type { UsageTap } from "../src/streaming/usage_report.ts";

const upstream = Deno.args[0];
const port = Number(Deno.args[1] ?? 0);
const mode = Deno.args[2] ?? "bare";

async function bare(req: Request, url: URL): Promise<Response> {
  const response = await fetch(upstream + url.pathname + url.search, {
    method: req.method,
    headers: req.headers,
    body: await req.arrayBuffer(),
  });
  return new Response(response.body, { status: response.status, headers: response.headers });
}

function metered(body: ReadableStream<Uint8Array>, tap: UsageTap): ReadableStream<Uint8Array> {
  const reader = chunkReader(body);
  return new ReadableStream({
    async pull(controller) {
      const chunk = await reader.read();
      if (!chunk) {
        tap.finish(false);
        return controller.close();
      }
      tap.push(chunk);
      controller.enqueue(chunk);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

async function metering(req: Request, url: URL): Promise<Response> {
  const bytes = await req.bytes();
  const json = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof json.model !== "string") return new Response("model required", { status: 400 });
  const headers: [string, string][] = [];
  req.headers.forEach((value, name) => {
    if (name !== "host" && name !== "content-length") headers.push([name, value]);
  });
  const response = await fetch(upstream + url.pathname + url.search, {
    method: "POST",
    headers,
    body: bytes,
  });
  const tap = json.stream === true ? new SseUsageTap() : new JsonUsageTap();
  return new Response(metered(response.body!, tap), {
    status: response.status,
    headers: response.headers,
  });
}

Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (req) => (mode === "metering" ? metering : bare)(req, new URL(req.url)));
