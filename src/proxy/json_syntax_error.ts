/**
 * Describes why a body is not JSON by kind and byte position only. The parser's own message
 * must never reach a client or the log: V8 quotes the start of the input (`Unexpected token
 * 'p', "password=h"... is not valid JSON`), and a body is where secrets live.
 */

/** V8 ends its positioned messages this way; a quoted excerpt never matches it. */
const POSITION = / JSON at position (\d+)(?: \(line \d+ column \d+\))?$/;

const KINDS: [RegExp, string][] = [
  [/^Unexpected end of JSON input/, "ends early"],
  [/^Unterminated string/, "ends early"],
  [/^Bad control character/, "control character in a string"],
  [/^Bad (escaped character|Unicode escape)/, "bad escape in a string"],
  [/^Unexpected non-whitespace character after JSON/, "unexpected data after the JSON value"],
];

const encoder = new TextEncoder();

/**
 * `text` is what was parsed; `offset` the bytes before it (a stripped byte order mark). Only
 * the parser's message is classified: nothing of it, and nothing of `text`, is copied.
 *
 * @example
 * try {
 *   JSON.parse('{"a":1}x');
 * } catch (error) {
 *   describeJsonSyntaxError(error as SyntaxError, '{"a":1}x'); // "unexpected data after the JSON value at byte 7"
 * }
 */
export function describeJsonSyntaxError(error: SyntaxError, text: string, offset = 0): string {
  const message = error.message;
  let kind = KINDS.find(([pattern]) => pattern.test(message))?.[1] ?? "unexpected character";
  const match = POSITION.exec(message);
  let position = match ? Number(match[1]) : undefined;
  if (kind === "ends early" || (position !== undefined && position >= text.length)) {
    kind = "ends early";
    position = text.length;
  }
  if (position === undefined) return kind;
  // The parser counts UTF-16 units; clients count bytes.
  const bytes = encoder.encode(text.slice(0, position)).byteLength + offset;
  return `${kind} at byte ${bytes}`;
}
