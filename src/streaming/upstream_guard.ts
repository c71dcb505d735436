/**
 * Wraps an upstream body so that it never errors towards the client: a reset connection, a
 * failed read or a silence longer than the idle timeout ends the stream with a final chunk
 * (an SSE `error` event for streams) instead. A client cancel cancels the upstream read,
 * which aborts the upstream request so no more tokens are paid for.
 */

export type FailureReason = "idle_timeout" | "upstream_error";

export interface GuardOptions {
  idleTimeoutMs: number;
  /** Bytes sent to the client when the upstream fails mid-body, if the format has a way. */
  failureChunk?: (reason: FailureReason) => Uint8Array | undefined;
  /** Told once when the upstream failed. */
  onFailure?: (reason: FailureReason, error: unknown) => void;
}

/**
 * @example
 * const body = guardUpstream(response.body, { idleTimeoutMs: 300_000 });
 */
export function guardUpstream(
  upstream: ReadableStream<Uint8Array>,
  options: GuardOptions,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
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
  const finish = () => {
    finished = true;
    clearTimeout(timer);
  };
  const fail = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    reason: FailureReason,
    error: unknown,
  ) => {
    finish();
    options.onFailure?.(reason, error);
    const chunk = options.failureChunk?.(reason);
    if (chunk) controller.enqueue(chunk);
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    start() {
      arm(options.idleTimeoutMs);
    },
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        return fail(controller, "upstream_error", error);
      }
      if (idleFired) return fail(controller, "idle_timeout", new Error("upstream idle timeout"));
      if (result.done) {
        finish();
        return controller.close();
      }
      lastActivity = Date.now();
      controller.enqueue(result.value);
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
