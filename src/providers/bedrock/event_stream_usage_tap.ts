/** Reads usage from a Bedrock event stream as it passes untouched to a Bedrock-mode client. */
import { SseUsageTap } from "../../streaming/sse_usage_tap.ts";
import type { UsageReport, UsageTap } from "../../streaming/usage_report.ts";
import { frameToSse } from "./bedrock_stream.ts";
import { EventStreamDecoder } from "./event_stream.ts";

export class EventStreamUsageTap implements UsageTap {
  private readonly decoder = new EventStreamDecoder();
  private readonly inner = new SseUsageTap();
  private broken = false;

  constructor(private readonly requestId: string) {}

  push(chunk: Uint8Array): void {
    if (this.broken) return;
    try {
      for (const frame of this.decoder.push(chunk)) {
        const sse = frameToSse(frame, this.requestId);
        if (sse) this.inner.push(sse);
      }
    } catch {
      // A corrupt frame reaches the client as sent; usage stops being read, the relay goes on.
      this.broken = true;
    }
  }

  finish(clientAborted: boolean): UsageReport {
    return this.inner.finish(clientAborted);
  }
}
