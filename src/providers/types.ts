import type { UsageTap } from "../streaming/usage_report.ts";
import type { HeaderList } from "./header_list.ts";

/**
 * The interface every provider adapter implements. Claude's Messages format is gw's internal
 * format: an adapter turns a canonical request into its upstream request and its upstream
 * response back into Messages JSON or SSE. Shared code never asks which provider it has.
 */

export type Operation = "messages" | "count_tokens";

/** A client request in Anthropic Messages format, as gw received it. */
export interface CanonicalRequest {
  operation: Operation;
  /** The client's body, byte for byte: forwarded unchanged whenever possible. */
  bodyBytes: Uint8Array;
  /** The same body, parsed. Treat as read-only: it may be shared across retries. */
  body: Readonly<Record<string, unknown>>;
  /** The client's query string, e.g. `?beta=true`, or "". */
  search: string;
  /** Client headers safe to forward: no credentials, hop-by-hop or gw headers. */
  headers: HeaderList;
  stream: boolean;
}

/** The upstream body in its own framing, for a client that speaks that framing too. */
export interface NativeBody {
  framing: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
  /** Reads usage from the native framing as it passes. */
  tap(): UsageTap;
}

/** The upstream's answer in Anthropic format. */
export interface AnthropicResponse {
  status: number;
  headers: Headers;
  /** May be built on first access: read it only when relaying in Anthropic format. */
  body: ReadableStream<Uint8Array> | null;
  /** How the body is framed, which decides how usage is read from it. */
  format: "sse" | "json" | "other";
  /** Set when the upstream's own framing can be relayed untouched to a client that wants it. */
  native?: NativeBody;
}

/** What `fetch` is called with: a plain URL and init, cheaper than building a `Request`. */
export interface UpstreamRequest {
  url: string;
  init: RequestInit & { headers: HeadersInit };
}

export interface Provider {
  /** The admin-chosen name, e.g. `anthropic-main`. */
  readonly name: string;
  /** The adapter kind, e.g. `anthropic`. */
  readonly kind: string;
  /**
   * Builds the upstream request for one attempt. Must give the same request when re-run, so
   * a retry or failover can call it again.
   */
  buildRequest(
    request: CanonicalRequest,
    model: string,
    signal: AbortSignal,
  ): Promise<UpstreamRequest>;
  /** Turns the upstream response into Anthropic format without buffering it. */
  toAnthropic(response: Response, request: CanonicalRequest): AnthropicResponse;
}

/** What an adapter factory receives: the stored record with its secret decrypted. */
export interface ProviderSettings {
  name: string;
  baseUrl: string | null;
  config: Record<string, unknown>;
  secret: string;
  /** How long getting a credential (an OAuth token) may take; gw uses its connect timeout. */
  authTimeoutMs?: number;
}

export type ProviderFactory = (settings: ProviderSettings) => Provider;

/** Decides the framing of a body from its content type. */
export function formatOf(contentType: string | null): AnthropicResponse["format"] {
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("text/event-stream")) return "sse";
  if (type.includes("json")) return "json";
  return "other";
}
