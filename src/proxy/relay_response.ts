/**
 * Hands an upstream response to the client as it arrives, through the usage tap, and settles
 * the request's row when the body ends, fails or is abandoned.
 */
import type { AnthropicResponse } from "../providers/types.ts";
import { GatewayError } from "../server/errors.ts";
import { JsonUsageTap } from "../streaming/json_usage_tap.ts";
import { relayStream } from "../streaming/relay_stream.ts";
import { sseErrorEvent } from "../streaming/sse_error_event.ts";
import { SseUsageTap } from "../streaming/sse_usage_tap.ts";
import type { UsageReport } from "../streaming/usage_report.ts";
import { clientResponse } from "./forward_headers.ts";
import type { CompiledPolicy } from "../guardrails/policy.ts";
import { JsonOutputGuard, SseOutputGuard } from "../guardrails/output_guard.ts";
import type { RequestRecord } from "./request_record.ts";

export interface RelayOptions {
  providerName: string;
  idleTimeoutMs: number;
  /** The client takes this upstream framing untouched (Bedrock mode on a Bedrock upstream). */
  nativeFraming?: string;
  /** Output guardrails to apply, if the request has a policy. */
  outputPolicy?: CompiledPolicy;
  /** gw's own response headers, e.g. budget utilisation. */
  headers: Record<string, string>;
  /** Called once with what the tap learned; returns nothing, records into `record`. */
  settle: (report: UsageReport) => void;
}

/**
 * @example
 * return relayResponse(provider.toAnthropic(upstream, request), record, options);
 */
export function relayResponse(
  response: AnthropicResponse,
  record: RequestRecord,
  options: RelayOptions,
): Response {
  const native = response.native;
  if (
    native && native.framing === options.nativeFraming && response.status === 200 &&
    !options.outputPolicy
  ) {
    const relayed = clientResponse(
      relayStream(native.body, {
        idleTimeoutMs: options.idleTimeoutMs,
        tap: native.tap(),
        onReport: options.settle,
      }),
      200,
      response.headers,
      record.id,
      options.headers,
    );
    relayed.headers.set("content-type", native.contentType);
    return relayed;
  }
  if (response.format === "other" || !response.body) {
    void response.body?.cancel();
    throw new GatewayError(
      "api_error",
      `Provider ${options.providerName} answered HTTP ${response.status} with ${
        response.headers.get("content-type") ?? "no content type"
      } instead of Anthropic JSON or SSE`,
      { status: 502 },
    );
  }
  const isSse = response.format === "sse";
  const guard = options.outputPolicy
    ? isSse
      ? new SseOutputGuard(options.outputPolicy, record.id)
      : new JsonOutputGuard(options.outputPolicy)
    : undefined;
  const body = relayStream(response.body, {
    transform: guard,
    idleTimeoutMs: options.idleTimeoutMs,
    tap: isSse ? new SseUsageTap() : new JsonUsageTap(),
    onReport: (report) => {
      for (const [rule, count] of Object.entries(guard?.verdicts ?? {})) {
        record.guardrails = { ...record.guardrails, [`output:${rule}`]: count };
      }
      options.settle(report);
    },
    failureChunk: (reason) =>
      isSse
        ? sseErrorEvent(
          "api_error",
          reason === "idle_timeout"
            ? `Provider ${options.providerName} stalled mid-stream`
            : `Connection to provider ${options.providerName} was lost mid-stream`,
          record.id,
        )
        : undefined,
  });
  return clientResponse(body, response.status, response.headers, record.id, options.headers);
}
