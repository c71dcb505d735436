/** The SSE `error` event Anthropic sends when a stream fails after it started. */
import { errorBody } from "../server/errors.ts";

export function sseErrorEvent(type: string, message: string, requestId: string): Uint8Array {
  return new TextEncoder().encode(`event: error\ndata: ${errorBody(type, message, requestId)}\n\n`);
}
