/**
 * The one stream between an upstream body and the client. Chunks pass through unchanged as
 * they arrive while a usage tap reads them. The stream never errors towards the client: a
 * reset connection, a failed read or a silence longer than the idle timeout ends it with a
 * final chunk (an SSE `error` event for streams) instead. A client cancel cancels the upstream
 * read, which aborts the upstream request so no more tokens are paid for. The tap's report is
 * delivered exactly once, however the body ends.
 *
 * One pull-based stream rather than a chain of TransformStreams: each stage of a chain costs a
 * promise hop per chunk, which measurably raised CPU per request.
 */
import type { ChunkTransform } from "./chunk_transform.ts";
import { chunkReader } from "./chunk_reader.ts";
import type { UsageReport, UsageTap } from "./usage_report.ts";

export type FailureReason = "idle_timeout" | "upstream_error";

export interface RelayStreamOptions {
  idleTimeoutMs: number;
  tap: UsageTap;
  onReport: (report: UsageReport) => void;
  /** Changes what the client receives (output guardrails); the tap sees its output. */
  transform?: ChunkTransform;
  /** Bytes sent to the client when the upstream fails mid-body, if the format has a way. */
  failureChunk?: (reason: FailureReason) => Uint8Array | undefined;
}

/**
 * @example
 * new Response(relayStream(upstream.body, { idleTimeoutMs, tap: new SseUsageTap(), onReport }));
 */
export function relayStream(
  upstream: ReadableStream<Uint8Array>,
  options: RelayStreamOptions,
): ReadableStream<Uint8Array> {
  const reader = chunkReader(upstream);
  const { tap, transform } = options;
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    if (bytes.byteLength === 0) return;
    tap.push(bytes);
    controller.enqueue(bytes);
  };
  let lastActivity = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;
  let idleFired = false;

  // One timer per stream, re-armed lazily: cheaper than a timer per chunk.
  const arm = (delay: number) => {
    timer = setTimeout(() => {
      if (finished) return;
      const idle = Date.now() - lastActivity;
      if (idle < options.idleTimeoutMs) return arm(options.idleTimeoutMs - idle);
      idleFired = true;
      reader.cancel("idle timeout").catch(() => {});
    }, delay);
  };
  const finish = (clientAborted: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    options.onReport(tap.finish(clientAborted));
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, reason: FailureReason) => {
    const chunk = options.failureChunk?.(reason);
    if (chunk) {
      tap.push(chunk);
      controller.enqueue(chunk);
    }
    finish(false);
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    start() {
      arm(options.idleTimeoutMs);
    },
    // Loops until it has sent something or ended: a pull that enqueues nothing is not
    // called again, and a transform may hold chunks back.
    async pull(controller) {
      for (;;) {
        let chunk: Uint8Array | undefined;
        try {
          chunk = await reader.read();
        } catch {
          return fail(controller, "upstream_error");
        }
        if (idleFired) return fail(controller, "idle_timeout");
        if (!chunk) {
          if (transform) send(controller, transform.end());
          finish(false);
          return controller.close();
        }
        lastActivity = Date.now();
        const bytes = transform ? transform.push(chunk) : chunk;
        send(controller, bytes);
        if (transform?.stopped) {
          finish(false);
          controller.close();
          return void await reader.cancel("stopped by a guardrail").catch(() => {});
        }
        if (bytes.byteLength > 0) return;
      }
    },
    cancel(reason) {
      finish(true);
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
