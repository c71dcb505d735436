/**
 * Incremental Server-Sent Events parser: feed it chunks split anywhere (even inside a UTF-8
 * sequence or a `\r\n`) and it yields complete events. It never holds more than one partial
 * event.
 */

export interface SseEvent {
  /** The `event:` field, or "message" when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /**
   * With `comments: true`, a block of only comment lines comes as an event with `event` "" and
   * its lines here, without their leading `:`.
   */
  comment?: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder();
  private pending = "";

  /** `comments`: also yield comment-only blocks (keep-alives), for relays that re-emit events. */
  constructor(private readonly options: { comments?: boolean } = {}) {}

  /**
   * @example
   * const parser = new SseParser();
   * parser.push(new TextEncoder().encode("event: ping\ndata: {}\n\n")); // [{event:"ping",data:"{}"}]
   */
  push(chunk: Uint8Array): SseEvent[] {
    return this.take(this.decoder.decode(chunk, { stream: true }));
  }

  /** Events left at end of stream: a final event without its blank line still counts. */
  end(): SseEvent[] {
    const events = this.take(this.decoder.decode() + "\n\n");
    this.pending = "";
    return events;
  }

  private take(text: string): SseEvent[] {
    // One pass over the buffered text: blocks are cut at an advancing offset, and the `\r` check
    // runs once per chunk, not once per event.
    const buffer = this.pending + text;
    const plainNewlines = !buffer.includes("\r");
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const boundary = findBoundary(buffer, start, plainNewlines);
      if (boundary === undefined) break;
      const event = parseBlock(
        buffer.slice(start, boundary.index),
        plainNewlines,
        this.options.comments === true,
      );
      start = boundary.index + boundary.length;
      if (event) events.push(event);
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
    return events;
  }
}

const BLANK_LINE = /\r\n\r\n|\n\n|\r\r|\r\n\n|\n\r\n/g;

/** The first blank line from `start`, tolerating `\n\n`, `\r\n\r\n` and `\r\r`. */
function findBoundary(
  text: string,
  start: number,
  plainNewlines: boolean,
): { index: number; length: number } | undefined {
  // Fast path: upstreams almost always frame with plain `\n`.
  if (plainNewlines) {
    const index = text.indexOf("\n\n", start);
    return index === -1 ? undefined : { index, length: 2 };
  }
  BLANK_LINE.lastIndex = start;
  const match = BLANK_LINE.exec(text);
  return match ? { index: match.index, length: match[0].length } : undefined;
}

function parseBlock(
  block: string,
  plainNewlines: boolean,
  withComments: boolean,
): SseEvent | undefined {
  // Fast path for the usual `event: NAME\ndata: JSON` block.
  const newline = block.indexOf("\n");
  if (
    plainNewlines && newline !== -1 && block.startsWith("event: ") &&
    block.startsWith("data: ", newline + 1) && block.indexOf("\n", newline + 1) === -1
  ) {
    return { event: block.slice(7, newline), data: block.slice(newline + 7) };
  }
  let event = "message";
  const data: string[] = [];
  const comments: string[] = [];
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line.startsWith(":")) comments.push(line.slice(1));
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0 && event === "message") {
    return withComments && comments.length
      ? { event: "", data: "", comment: comments.join("\n") }
      : undefined;
  }
  return { event, data: data.join("\n") };
}
