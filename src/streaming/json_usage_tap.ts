/** Reads `usage`, `model` and `error` from a non-streaming Messages response as it passes. */
import { mergeUsage, ZERO_USAGE } from "../usage/usage.ts";
import { JsonFieldScanner } from "./json_field_scanner.ts";
import type { UsageReport, UsageTap } from "./usage_report.ts";

const FIELDS = new Set(["usage", "model", "error"]);

/**
 * @example
 * const tap = new JsonUsageTap();
 * tap.push(chunk);
 * tap.finish(false).usage;
 */
export class JsonUsageTap implements UsageTap {
  private readonly scanner = new JsonFieldScanner(FIELDS);
  private firstByteAt?: number;
  private bytes = 0;

  push(chunk: Uint8Array): void {
    this.firstByteAt ??= Date.now();
    this.bytes += chunk.byteLength;
    this.scanner.push(chunk);
  }

  finish(clientAborted: boolean): UsageReport {
    const model = this.scanner.value("model");
    const error = this.scanner.value("error") as Record<string, unknown> | undefined;
    const usage = this.scanner.value("usage");
    return {
      usage: mergeUsage(ZERO_USAGE, usage),
      servedModel: typeof model === "string" ? model : undefined,
      complete: usage !== undefined,
      clientAborted,
      error: error && typeof error === "object"
        ? { type: String(error.type ?? "api_error"), message: String(error.message ?? "") }
        : undefined,
      estimatedOutputTokens: 0,
      firstByteAt: this.firstByteAt,
      bytes: this.bytes,
    };
  }
}
