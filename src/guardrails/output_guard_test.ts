import assert from "node:assert/strict";
import { it } from "node:test";
import { compilePolicy } from "./policy.ts";
import { SseOutputGuard } from "./output_guard.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

it("passes SSE comments through while redacting text deltas", () => {
  const guard = new SseOutputGuard(
    compilePolicy({ name: "p", rules: { email: "redact" }, limits: {} }),
    "req_1",
  );
  const delta = (text: string) =>
    `event: content_block_delta\ndata: ${
      JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })
    }\n\n`;
  const stream = ": keep-alive\n\n" + delta("mail jane.doe@acmecorp.io now") +
    ":a\n:b\n\n" + `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`;
  let out = "";
  // Split anywhere, as the network does.
  for (let i = 0; i < stream.length; i += 7) {
    out += decoder.decode(guard.push(encoder.encode(stream.slice(i, i + 7))));
  }
  out += decoder.decode(guard.end());
  assert.ok(out.startsWith(": keep-alive\n\n"), out);
  assert.ok(out.includes(":a\n:b\n\n"));
  assert.ok(!out.includes("jane.doe@acmecorp.io"));
  assert.match(out, /\[REDACTED:email:[0-9a-f]+\]/);
  assert.deepEqual(guard.verdicts, { email: 1 });
});
