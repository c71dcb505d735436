/**
 * Bedrock's event stream re-emitted as Anthropic SSE, frame by frame as frames complete.
 * Each `chunk` frame carries one Anthropic event (base64 JSON); exception frames become SSE
 * `error` events with the exception's own message. Bedrock sends no pings, so a ping is
 * emitted whenever the stream has been silent for `pingIntervalMs`: Claude Code aborts a
 * stream silent for 300 s.
 */
import { fromBase64 } from "../../crypto/base64.ts";
import { errorBody } from "../../server/errors.ts";
import { type EventFrame, EventStreamDecoder } from "./event_stream.ts";

const encoder = new TextEncoder();
const PING = encoder.encode('event: ping\ndata: {"type":"ping"}\n\n');

/** Anthropic error types for Bedrock's exception names. */
const EXCEPTION_TYPES: Record<string, string> = {
  throttlingException: "rate_limit_error",
  serviceUnavailableException: "overloaded_error",
  modelTimeoutException: "timeout_error",
  validationException: "invalid_request_error",
  internalServerException: "api_error",
  modelStreamErrorException: "api_error",
};

export function exceptionType(name: string): string {
  const key = name.charAt(0).toLowerCase() + name.slice(1);
  return EXCEPTION_TYPES[key] ?? "api_error";
}

export function frameToSse(frame: EventFrame, requestId: string): Uint8Array | undefined {
  const kind = frame.headers[":message-type"];
  if (kind === "event" && frame.headers[":event-type"] === "chunk") {
    const wrapper = JSON.parse(new TextDecoder().decode(frame.payload)) as { bytes?: string };
    if (!wrapper.bytes) return undefined;
    const json = new TextDecoder().decode(fromBase64(wrapper.bytes));
    const type = (JSON.parse(json) as { type?: string }).type ?? "message";
    return encoder.encode(`event: ${type}\ndata: ${json}\n\n`);
  }
  if (kind === "exception" || kind === "error") {
    const name = frame.headers[":exception-type"] ?? frame.headers[":error-code"] ??
      "internalServerException";
    let message = frame.headers[":error-message"] ?? name;
    try {
      message =
        (JSON.parse(new TextDecoder().decode(frame.payload)) as { message?: string }).message ??
          message;
    } catch {
      // Keep the header's wording.
    }
    return encoder.encode(
      `event: error\ndata: ${errorBody(exceptionType(name), message, requestId)}\n\n`,
    );
  }
  return undefined;
}

/**
 * @example
 * const sse = bedrockToSse(response.body, "req_1", 10_000);
 */
export function bedrockToSse(
  body: ReadableStream<Uint8Array>,
  requestId: string,
  pingIntervalMs: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new EventStreamDecoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastSent = Date.now();
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (cancelled || Date.now() - lastSent < pingIntervalMs) return;
        lastSent = Date.now();
        controller.enqueue(PING);
      }, Math.max(10, Math.floor(pingIntervalMs / 2)));
      const pump = async () => {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            for (const frame of decoder.push(value)) {
              const sse = frameToSse(frame, requestId);
              if (!sse || cancelled) continue;
              lastSent = Date.now();
              controller.enqueue(sse);
            }
          }
          clearInterval(timer);
          if (decoder.pending) throw new Error("Bedrock event stream ended inside a frame");
          if (!cancelled) controller.close();
        } catch (error) {
          clearInterval(timer);
          // After a client cancel the controller is closed already; nothing is left to tell.
          if (!cancelled) controller.error(error);
        }
      };
      void pump();
    },
    cancel(reason) {
      cancelled = true;
      clearInterval(timer);
      return reader.cancel(reason);
    },
  });
}
