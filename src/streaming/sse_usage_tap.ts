/**
 * Reads usage, the served model and error events from an Anthropic SSE stream as it passes.
 * Only the events that carry usage are parsed: content deltas are merely measured.
 */
import { mergeUsage, type Usage, ZERO_USAGE } from "../usage/usage.ts";
import { SseParser } from "./sse_parser.ts";
import type { UsageReport, UsageTap } from "./usage_report.ts";

/** `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}` */
const DELTA_ENVELOPE_CHARS = 75;
const CHARS_PER_TOKEN = 4;

/**
 * @example
 * const tap = new SseUsageTap();
 * tap.push(chunk);
 * tap.finish(false).usage;
 */
export class SseUsageTap implements UsageTap {
  private readonly parser = new SseParser();
  private usage: Usage = ZERO_USAGE;
  private servedModel?: string;
  private complete = false;
  private error?: { type: string; message: string };
  private deltaChars = 0;
  private deltaEvents = 0;
  private firstByteAt?: number;
  private bytes = 0;

  push(chunk: Uint8Array): void {
    this.firstByteAt ??= Date.now();
    this.bytes += chunk.byteLength;
    for (const event of this.parser.push(chunk)) this.read(event.event, event.data);
  }

  finish(clientAborted: boolean): UsageReport {
    for (const event of this.parser.end()) this.read(event.event, event.data);
    const estimated = Math.ceil(
      Math.max(0, this.deltaChars - this.deltaEvents * DELTA_ENVELOPE_CHARS) / CHARS_PER_TOKEN,
    );
    return {
      usage: this.usage,
      servedModel: this.servedModel,
      complete: this.complete,
      clientAborted,
      error: this.error,
      estimatedOutputTokens: estimated,
      firstByteAt: this.firstByteAt,
      bytes: this.bytes,
    };
  }

  private read(event: string, data: string): void {
    switch (event) {
      case "content_block_delta":
        // Counted without parsing: the hot path sees hundreds of these per response.
        this.deltaChars += data.length;
        this.deltaEvents++;
        return;
      case "message_start": {
        const message = parseJson(data)?.message as Record<string, unknown> | undefined;
        if (typeof message?.model === "string") this.servedModel = message.model;
        this.usage = mergeUsage(this.usage, message?.usage);
        return;
      }
      case "message_delta":
        this.usage = mergeUsage(this.usage, parseJson(data)?.usage);
        return;
      case "message_stop":
        this.complete = true;
        return;
      case "error": {
        const error = parseJson(data)?.error as Record<string, unknown> | undefined;
        this.error = {
          type: typeof error?.type === "string" ? error.type : "api_error",
          message: typeof error?.message === "string" ? error.message : "Stream error",
        };
        return;
      }
    }
  }
}

function parseJson(data: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(data);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
