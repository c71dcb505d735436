/**
 * Passes a non-streaming Messages response through unchanged while reading its `usage`,
 * `model` and `error` fields. Reports once, on end or on client cancel.
 */
import { mergeUsage, ZERO_USAGE } from "../usage/usage.ts";
import { JsonFieldScanner } from "./json_field_scanner.ts";
import type { UsageSink } from "./usage_report.ts";

const FIELDS = new Set(["usage", "model", "error", "type"]);

/**
 * @example
 * upstream.body.pipeThrough(createJsonUsageTap((report) => log(report)));
 */
export function createJsonUsageTap(onReport: UsageSink): TransformStream<Uint8Array, Uint8Array> {
  const scanner = new JsonFieldScanner(FIELDS);
  let firstByteAt: number | undefined;
  let bytes = 0;
  let reported = false;
  const report = (clientAborted: boolean) => {
    if (reported) return;
    reported = true;
    const model = scanner.value("model");
    const error = scanner.value("error") as Record<string, unknown> | undefined;
    const usage = scanner.value("usage");
    onReport({
      usage: mergeUsage(ZERO_USAGE, usage),
      servedModel: typeof model === "string" ? model : undefined,
      complete: usage !== undefined,
      clientAborted,
      error: error && typeof error === "object"
        ? { type: String(error.type ?? "api_error"), message: String(error.message ?? "") }
        : undefined,
      estimatedOutputTokens: 0,
      firstByteAt,
      bytes,
    });
  };
  return new TransformStream<Uint8Array, Uint8Array>(
    {
      transform(chunk, controller) {
        firstByteAt ??= Date.now();
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
        scanner.push(chunk);
      },
      flush() {
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
