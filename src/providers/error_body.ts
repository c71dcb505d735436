/** Helpers for adapters whose upstream speaks another error dialect. */
import { errorBody } from "../server/errors.ts";

const TYPE_BY_STATUS: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export function errorTypeForStatus(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/**
 * A body stream whose content is computed from the whole upstream body. Only for small
 * bodies (errors, token counts), never for messages.
 */
export function rewriteSmallBody(
  body: ReadableStream<Uint8Array> | null,
  rewrite: (text: string) => string,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const text = body ? await new Response(body).text().catch(() => "") : "";
      controller.enqueue(new TextEncoder().encode(rewrite(text)));
      controller.close();
    },
  });
}

/** Anthropic error JSON that keeps the upstream's own message word for word. */
export function anthropicError(type: string, message: string, requestId: string): string {
  return errorBody(type, message, requestId);
}
