/**
 * Bounds for text gw did not choose (from clients or upstreams) before it is stored in a log
 * row or repeated in an error message: a key holder's 4 MB model name must not reach the
 * rollups, the metrics labels or a terminal.
 */

/** Client text repeated in an error message (a path, a content type, a model name). */
export const ECHO_CHARS = 64;
/** Requested and served model names in a log row. */
export const MODEL_CHARS = 200;
/** Attribution values in a log row: user, project, env, session and agent ids, tag values. */
export const TAG_CHARS = 256;
/** An error type in a log row; Anthropic's are under 25 characters. */
export const ERROR_TYPE_CHARS = 64;
/** An error message in a log row. */
export const ERROR_MESSAGE_CHARS = 500;

/**
 * At most `max` characters of `text`, ending in `…` when cut. Never splits a surrogate pair.
 * Costs one comparison for text within the bound.
 *
 * @example
 * clip("claude-opus-5-5", 200); // "claude-opus-5-5"
 * clip("x".repeat(1000), 8); // "xxxxxxx…"
 */
export function clip(text: string, max: number): string;
export function clip(text: string | null, max: number): string | null;
export function clip(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + "…";
}
