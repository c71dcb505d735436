/** The request body for an upstream that takes the model in the body. */
import type { CanonicalRequest } from "./types.ts";

/**
 * The client's exact bytes when the model is unchanged (so `system`, `cache_control` and
 * unknown fields arrive byte for byte); otherwise the same JSON with only `model` replaced.
 */
export function bodyWithModel(request: CanonicalRequest, model: string): Uint8Array<ArrayBuffer> {
  if (request.body.model === model) return request.bodyBytes as Uint8Array<ArrayBuffer>;
  return new TextEncoder().encode(JSON.stringify({ ...request.body, model }));
}
