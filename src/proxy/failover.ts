/**
 * Tries a request's targets in order until one answers. Connect errors, timeouts, 408, 429,
 * 5xx and 529 move on to the next target (or retry the same one after a backoff) — only ever
 * before the first byte has gone to the client. Each outcome feeds the target's circuit.
 */
import type { AnthropicResponse, CanonicalRequest } from "../providers/types.ts";
import type { CircuitBreakers } from "../routing/circuit_breaker.ts";
import type { Target } from "../routing/router.ts";
import { GatewayError } from "../server/errors.ts";
import type { RequestRecord } from "./request_record.ts";
import { ClientGone, upstreamFetch } from "./upstream_fetch.ts";
import type { ConnectCheck } from "./connect_check.ts";

export interface FailoverOptions {
  maxAttempts: number;
  /** No new attempt starts after this long. */
  deadlineMs: number;
  firstByteTimeoutMs: number;
  connectCheck: ConnectCheck;
  /** A `retry-after` longer than this ends retrying on the same target. */
  maxRetryAfterMs: number;
  breakers: CircuitBreakers;
}

export interface Answer {
  target: Target;
  response: AnthropicResponse;
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (ms > 0) return ms;
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Exponential backoff with jitter: ~100 ms, 200 ms, 400 ms … capped at 2 s. */
function backoffMs(attempt: number): number {
  return Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ClientGone());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClientGone());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * @example
 * const { target, response } = await forwardWithFailover(targets, request, record, signal, options);
 */
export async function forwardWithFailover(
  targets: readonly Target[],
  request: CanonicalRequest,
  record: RequestRecord,
  clientSignal: AbortSignal,
  options: FailoverOptions,
): Promise<Answer> {
  const deadline = Date.now() + options.deadlineMs;
  const { breakers } = options;
  for (let attempt = 0;; attempt++) {
    const target = targets[attempt % targets.length];
    const next = targets[(attempt + 1) % targets.length];
    const isLast = attempt + 1 >= options.maxAttempts || Date.now() >= deadline;
    // A tripped target is skipped while others remain; the half-open probe gets through.
    let probing = false;
    if (!isLast && targets.length > 1) {
      if (!breakers.allow(target.id)) continue;
      probing = breakers.state(target.id) === "half_open";
    }
    record.attempts++;
    record.provider = target.provider.name;
    record.servedModel = target.model;
    let wait = backoffMs(attempt);
    try {
      const upstream = await upstreamFetch(
        target,
        request,
        clientSignal,
        options.firstByteTimeoutMs,
        options.connectCheck,
      );
      const response = target.provider.toAnthropic(upstream, request);
      if (!isRetryableStatus(response.status)) {
        breakers.success(target.id);
        return { target, response };
      }
      breakers.failure(target.id);
      const retryAfter = retryAfterMs(upstream.headers);
      const sameTarget = next === target;
      if (
        isLast || (sameTarget && retryAfter !== undefined && retryAfter > options.maxRetryAfterMs)
      ) {
        return { target, response };
      }
      if (sameTarget && retryAfter !== undefined) wait = Math.max(wait, retryAfter);
      await response.body?.cancel();
    } catch (error) {
      if (error instanceof ClientGone || !(error instanceof GatewayError)) {
        // No outcome to record; a probe left claimed would keep the circuit half-open forever.
        if (probing) breakers.release(target.id);
        throw error;
      }
      breakers.failure(target.id);
      if (isLast) throw error;
    }
    // Moving to another target needs no pause; retrying the same one does.
    await sleep(next === target ? wait : 0, clientSignal);
  }
}
