/**
 * Anthropic SSE re-framed as a Bedrock event stream, for Claude Code in Bedrock mode: each
 * event becomes a `chunk` frame carrying the event JSON in base64, an `error` event becomes an
 * exception frame. Pings are dropped: Bedrock streams have none.
 */
import { toBase64 } from "../../crypto/base64.ts";
import { SseParser } from "../../streaming/sse_parser.ts";
import { encodeEventFrame } from "./event_stream.ts";

const encoder = new TextEncoder();

/** Bedrock's exception names for Anthropic error types. */
const EXCEPTIONS: Record<string, string> = {
  rate_limit_error: "throttlingException",
  overloaded_error: "serviceUnavailableException",
  timeout_error: "modelTimeoutException",
  invalid_request_error: "validationException",
};

function frames(event: string, data: string): Uint8Array[] {
  if (event === "ping") return [];
  if (event === "error") {
    let type = "api_error";
    let message = data;
    try {
      const parsed = JSON.parse(data) as { error?: { type?: string; message?: string } };
      type = parsed.error?.type ?? type;
      message = parsed.error?.message ?? message;
    } catch {
      // Keep the raw data as the message.
    }
    return [encodeEventFrame(
      {
        ":message-type": "exception",
        ":exception-type": EXCEPTIONS[type] ?? "internalServerException",
        ":content-type": "application/json",
      },
      encoder.encode(JSON.stringify({ message })),
    )];
  }
  return [encodeEventFrame(
    { ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" },
    encoder.encode(JSON.stringify({ bytes: toBase64(encoder.encode(data)) })),
  )];
}

export function sseToEventStream(): TransformStream<Uint8Array, Uint8Array> {
  const parser = new SseParser();
  return new TransformStream({
    transform(chunk, controller) {
      for (const event of parser.push(chunk)) {
        for (const frame of frames(event.event, event.data)) controller.enqueue(frame);
      }
    },
    flush(controller) {
      for (const event of parser.end()) {
        for (const frame of frames(event.event, event.data)) controller.enqueue(frame);
      }
    },
  });
}
