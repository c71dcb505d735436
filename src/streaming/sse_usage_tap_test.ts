import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sseEvents } from "../../test/fakes/anthropic.ts";
import { SseParser } from "./sse_parser.ts";
import { relayStream } from "./relay_stream.ts";
import { SseUsageTap } from "./sse_usage_tap.ts";
import type { UsageReport } from "./usage_report.ts";

const encoder = new TextEncoder();

/** Splits bytes at random points, including inside multi-byte characters and `\r\n`. */
function randomSplit(bytes: Uint8Array, seed: number): Uint8Array[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length;) {
    const size = 1 + Math.floor(random() * 40);
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

const usage = {
  input_tokens: 7,
  output_tokens: 321,
  cache_creation_input_tokens: 40,
  cache_read_input_tokens: 900,
  cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 10 },
};
const stream = sseEvents("claude-opus-5-5", usage, "Grüße 🌍 from a stream with unicode").join("");

describe("SseParser", () => {
  it("yields the same events however the bytes are split", () => {
    const whole = new SseParser().push(encoder.encode(stream));
    for (let seed = 1; seed <= 200; seed++) {
      const parser = new SseParser();
      const events = randomSplit(encoder.encode(stream), seed).flatMap((chunk) =>
        parser.push(chunk)
      );
      events.push(...parser.end());
      assert.deepEqual(events, whole);
    }
  });

  it("tolerates CRLF line endings and comments", () => {
    const parser = new SseParser();
    const events = parser.push(
      encoder.encode(': comment\r\n\r\nevent: ping\r\ndata: {"type":"ping"}\r\n\r\n'),
    );
    assert.deepEqual(events, [{ event: "ping", data: '{"type":"ping"}' }]);
  });
});

describe("SSE usage tap", () => {
  it("reads usage across arbitrary chunk boundaries", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const state = new SseUsageTap();
      for (const chunk of randomSplit(encoder.encode(stream), seed)) state.push(chunk);
      const report = state.finish(false);
      assert.deepEqual(report.usage, {
        inputTokens: 7,
        outputTokens: 321,
        cacheWrite5mTokens: 30,
        cacheWrite1hTokens: 10,
        cacheReadTokens: 900,
      });
      assert.equal(report.servedModel, "claude-opus-5-5");
      assert.equal(report.complete, true);
    }
  });

  it("reads the same from CRLF framing, from a cut-off stream, and measures deltas alike", () => {
    const lf = new SseUsageTap();
    lf.push(encoder.encode(stream));
    const expected = lf.finish(true);
    for (let seed = 1; seed <= 50; seed++) {
      const crlf = new SseUsageTap();
      for (const chunk of randomSplit(encoder.encode(stream.replaceAll("\n", "\r\n")), seed)) {
        crlf.push(chunk);
      }
      const report = crlf.finish(true);
      assert.deepEqual(report.usage, expected.usage);
      assert.equal(report.complete, true);
    }
    const cut = new SseUsageTap();
    // Everything but the final blank line and message_stop: deltas seen, usage from message_delta.
    const body = stream.slice(0, stream.lastIndexOf("event: message_stop"));
    for (const chunk of randomSplit(encoder.encode(body.slice(0, -1)), 3)) cut.push(chunk);
    const report = cut.finish(true);
    assert.deepEqual(report.usage, expected.usage);
    assert.equal(report.complete, false);
    assert.equal(report.estimatedOutputTokens, expected.estimatedOutputTokens);
    assert.ok(expected.estimatedOutputTokens > 0);
  });

  it("takes later usage fields over earlier ones", () => {
    const state = new SseUsageTap();
    state.push(encoder.encode(
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}}\n\n' +
        'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":9,"input_tokens":6}}\n\n',
    ));
    const report = state.finish(false);
    assert.equal(report.usage.inputTokens, 6);
    assert.equal(report.usage.outputTokens, 9);
    assert.equal(report.complete, false);
  });

  it("records a mid-stream error event", () => {
    const state = new SseUsageTap();
    state.push(
      encoder.encode(
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ),
    );
    assert.deepEqual(state.finish(false).error, {
      type: "overloaded_error",
      message: "Overloaded",
    });
  });

  it("relays bytes unchanged and reports once at the end", async () => {
    const reports: UsageReport[] = [];
    const source = ReadableStream.from(randomSplit(encoder.encode(stream), 7));
    const relayed = relayStream(source, {
      idleTimeoutMs: 60_000,
      tap: new SseUsageTap(),
      onReport: (r) => reports.push(r),
    });
    const out = new Uint8Array(await new Response(relayed).arrayBuffer());
    assert.deepEqual(out, encoder.encode(stream));
    assert.equal(reports.length, 1);
    assert.equal(reports[0].clientAborted, false);
    assert.equal(reports[0].usage.outputTokens, 321);
  });

  it("reports on client cancel with an output estimate and cancels the upstream", async () => {
    const reports: UsageReport[] = [];
    let upstreamCancelled = false;
    const events = sseEvents("m", usage, "word ".repeat(100)).slice(0, -2).map((e) =>
      encoder.encode(e)
    );
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = events.shift();
        if (next) controller.enqueue(next);
      },
      cancel() {
        upstreamCancelled = true;
      },
    });
    const reader = relayStream(source, {
      idleTimeoutMs: 60_000,
      tap: new SseUsageTap(),
      onReport: (r) => reports.push(r),
    })
      .getReader();
    for (let i = 0; i < 50; i++) await reader.read();
    await reader.cancel();
    assert.equal(upstreamCancelled, true);
    assert.equal(reports.length, 1);
    assert.equal(reports[0].clientAborted, true);
    assert.equal(reports[0].complete, false);
    assert.ok(reports[0].estimatedOutputTokens > 0);
  });

  it("ends a stalled upstream with an error event", async () => {
    const reports: UsageReport[] = [];
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(sseEvents("m", usage, "hi")[0]));
      },
    });
    const relayed = relayStream(source, {
      idleTimeoutMs: 30,
      tap: new SseUsageTap(),
      onReport: (r) => reports.push(r),
      failureChunk: () =>
        encoder.encode(
          'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"stalled"}}\n\n',
        ),
    });
    const text = await new Response(relayed).text();
    assert.match(text, /event: message_start[\s\S]*event: error/);
    assert.deepEqual(reports[0].error, { type: "api_error", message: "stalled" });
    assert.equal(reports[0].usage.inputTokens, 7);
  });
});
