/** What a usage tap learned from one response, delivered exactly once. */
import type { Usage } from "../usage/usage.ts";

export interface UsageReport {
  usage: Usage;
  /** The model the upstream says served the request. */
  servedModel?: string;
  /** True when the response ended as the format says a complete response ends. */
  complete: boolean;
  /** True when the client went away before the end. */
  clientAborted: boolean;
  /** An `error` event or body seen in the response, e.g. a mid-stream overload. */
  error?: { type: string; message: string };
  /** Output tokens estimated from streamed text when the final count never arrived. */
  estimatedOutputTokens: number;
  /** When the first byte passed, in ms since the epoch. */
  firstByteAt?: number;
  /** Bytes passed to the client. */
  bytes: number;
}

/**
 * Reads a response as its bytes pass by, without changing or holding them. Fed every chunk
 * in order; asked for its report once, when the body ends or the client leaves.
 */
export interface UsageTap {
  push(chunk: Uint8Array): void;
  finish(clientAborted: boolean): UsageReport;
}
