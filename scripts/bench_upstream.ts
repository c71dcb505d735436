/** A fast fake Anthropic upstream for benchmarks: canned JSON or a 61-event SSE stream (~7 KB). */
import { message, sseEvents } from "../test/fakes/anthropic.ts";

const usage = {
  input_tokens: 2000,
  output_tokens: 300,
  cache_read_input_tokens: 40000,
  cache_creation_input_tokens: 0,
};
const text = "The quick brown fox jumps over the lazy dog. ".repeat(6);
const json = JSON.stringify(message("claude-sonnet-5-5", usage, text));
const sse = new TextEncoder().encode(sseEvents("claude-sonnet-5-5", usage, text).join(""));

const port = Number(Deno.args[0] ?? 0);
Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, async (req) => {
  const body = await req.text();
  if (body.includes('"stream":true')) {
    return new Response(sse, { headers: { "content-type": "text/event-stream" } });
  }
  return new Response(json, { headers: { "content-type": "application/json" } });
});
