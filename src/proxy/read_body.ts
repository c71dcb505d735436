/**
 * Reads and checks a Messages request body: bounded size, JSON object, the fields gw needs.
 * Everything else in the body is left for the upstream to judge.
 */
import { GatewayError } from "../server/errors.ts";
import type { Operation } from "../providers/types.ts";
import { clip, ECHO_CHARS } from "../logging/client_text.ts";
import { describeJsonSyntaxError } from "./json_syntax_error.ts";
import { bodyClock } from "./body_clock.ts";
import { ClientGone } from "./upstream_fetch.ts";

const FINAL = { retryable: false } as const;

/** Turns a client's body (e.g. Bedrock-shaped) into an Anthropic Messages body. */
export type BodyAdapter = (body: Record<string, unknown>) => Record<string, unknown>;

export interface ParsedBody {
  bytes: Uint8Array;
  json: Record<string, unknown>;
  model: string;
  stream: boolean;
}

const lenientUtf8 = new TextDecoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * UTF-8 to text, throwing on invalid bytes. The lenient decoder is ~6× faster on a 60 KB body
 * (measured 4.5 µs against 29 µs); only a body whose text holds a replacement character, rare
 * in real requests, is decoded again strictly to tell a real one from invalid bytes.
 */
function decodeUtf8(bytes: Uint8Array): string {
  const text = lenientUtf8.decode(bytes);
  return text.includes("\uFFFD") ? strictUtf8.decode(bytes) : text;
}

/** A byte order mark, which the decoder drops before the parser counts positions. */
function bomBytes(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

function invalid(message: string): GatewayError {
  return new GatewayError("invalid_request_error", message, FINAL);
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(
    "request_too_large",
    `Request body exceeds gw's limit of ${limit} bytes`,
    FINAL,
  );
}

/**
 * Reads at most `limit` bytes, refusing early when `content-length` already says too many. A
 * body that stops arriving is cut off by the connection layer (see body_clock.ts); one that
 * ends early, or arrives malformed, is the client's fault: a 400, never a gw error.
 */
export async function readBoundedBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const clock = bodyClock(request);
  if (clock) clock.readingSince = Date.now();
  try {
    const body = await readBody(request, limit, declared);
    if (clock) clock.unread = false;
    return body;
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    if (request.signal.aborted && !clock?.timedOut) throw new ClientGone();
    if (clock?.timedOut) {
      throw new GatewayError("invalid_request_error", "Request body did not arrive in time", {
        ...FINAL,
        status: 408,
      });
    }
    throw new GatewayError(
      "invalid_request_error",
      "Request body ended before it was complete or was not valid HTTP framing",
      FINAL,
    );
  } finally {
    if (clock) clock.readingSince = 0;
  }
}

async function readBody(request: Request, limit: number, declared: number): Promise<Uint8Array> {
  // A declared length bounds the body (HTTP framing ends it there), so the runtime may read it
  // natively in one go; only chunked bodies need counting as they arrive. `request.body` is not
  // touched before: once it exists, the runtime reads through it chunk by chunk.
  if (declared >= 0) return await request.bytes();
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Runs a client format's adapter. What it throws (a Bedrock count-tokens body holds base64
 * JSON) is the client's mistake, and its message may quote the body: only the kind is kept.
 */
function adaptBody(adapt: BodyAdapter, body: Record<string, unknown>): Record<string, unknown> {
  try {
    return adapt(body);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    const kind = error instanceof SyntaxError ? ": embedded JSON is not valid" : "";
    throw invalid(`Request body does not have the shape this endpoint expects${kind}`);
  }
}

/**
 * @example
 * const body = await parseMessagesBody(request, "messages", 32 << 20);
 * body.model; // "claude-opus-5-5"
 */
export async function parseMessagesBody(
  request: Request,
  operation: Operation,
  limit: number,
  adapt: BodyAdapter = (body) => body,
): Promise<ParsedBody> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(contentType.trim())) {
    throw new GatewayError(
      "invalid_request_error",
      `content-type must be application/json, got ${
        contentType ? clip(contentType, ECHO_CHARS) : "none"
      }`,
      { ...FINAL, status: 415 },
    );
  }
  const bytes = await readBoundedBody(request, limit);
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch {
    throw invalid("Request body is not valid JSON: body is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Described by kind and position only: the parser's message quotes the body.
    const reason = error instanceof SyntaxError
      ? describeJsonSyntaxError(error, text, bomBytes(bytes))
      : "it could not be parsed";
    throw invalid(`Request body is not valid JSON: ${reason}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalid("Request body must be a JSON object");
  }
  const original = json as Record<string, unknown>;
  const body = adaptBody(adapt, original);
  if (typeof body.model !== "string" || body.model.trim() === "") {
    throw new GatewayError(
      "invalid_request_error",
      "model: Field required (a model name string)",
      FINAL,
    );
  }
  if (!Array.isArray(body.messages)) {
    throw new GatewayError(
      "invalid_request_error",
      "messages: Field required (an array of messages)",
      FINAL,
    );
  }
  return {
    // Re-encoded only when the client spoke another format: Anthropic bodies go on byte for byte.
    bytes: body === original ? bytes : new TextEncoder().encode(JSON.stringify(body)),
    json: body,
    model: body.model,
    stream: operation === "messages" && body.stream === true,
  };
}
