/**
 * Passes an Anthropic SSE stream through unchanged while reading its usage. Reports on end,
 * on upstream failure and on client cancel, so spend is settled however the stream ends.
 */
import { mergeUsage, type Usage, ZERO_USAGE } from "../usage/usage.ts";
import { SseParser } from "./sse_parser.ts";
import type { UsageReport, UsageSink } from "./usage_report.ts";

/** `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}` */
const DELTA_ENVELOPE_CHARS = 75;
const CHARS_PER_TOKEN = 4;

/**
 * @example
 * upstream.body.pipeThrough(createSseUsageTap((report) => log(report)));
 */
export function createSseUsageTap(onReport: UsageSink): TransformStream<Uint8Array, Uint8Array> {
  const state = new SseUsageState();
  let reported = false;
  const report = (clientAborted: boolean) => {
    if (reported) return;
    reported = true;
    onReport(state.finish(clientAborted));
  };
  return new TransformStream<Uint8Array, Uint8Array>(
    {
      transform(chunk, controller) {
        controller.enqueue(chunk);
        state.push(chunk);
      },
      flush() {
        state.end();
        report(false);
      },
      cancel() {
        report(true);
      },
    },
    undefined,
    { highWaterMark: 0 },
  );
}

/** The parsing half of the tap, kept apart so tests can drive it without streams. */
export class SseUsageState {
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

  end(): void {
    for (const event of this.parser.end()) this.read(event.event, event.data);
  }

  finish(clientAborted: boolean): UsageReport {
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
