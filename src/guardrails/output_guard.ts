/**
 * Guardrails on responses. Streams: text deltas are scanned with a window of the last
 * `windowChars` characters held back per content block, so a secret split across chunks is
 * still caught; `redact` rewrites it in the stream, `block` ends the stream with an SSE
 * `error` event. Nothing is delayed by more than the window. Non-streaming responses are
 * scanned whole (the client waits for the whole body anyway).
 */
import { errorBody } from "../server/errors.ts";
import type { ChunkTransform } from "../streaming/chunk_transform.ts";
import { type SseEvent, SseParser } from "../streaming/sse_parser.ts";
import type { CompiledPolicy } from "./policy.ts";
import { displayRule } from "./request_guard.ts";
import { findMatches, type Match, redact } from "./text_scan.ts";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const DEFAULT_WINDOW_CHARS = 256;

function sse(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

export class SseOutputGuard implements ChunkTransform {
  // Comments (keep-alives) pass through, as on an unguarded stream.
  private readonly parser = new SseParser({ comments: true });
  private readonly pending = new Map<number, { text: string; template: Record<string, unknown> }>();
  private blocked = false;
  /** Rule id → matches seen in what was sent. */
  readonly verdicts: Record<string, number> = {};

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly requestId: string,
    private readonly windowChars = DEFAULT_WINDOW_CHARS,
  ) {}

  get stopped(): boolean {
    return this.blocked;
  }

  push(chunk: Uint8Array): Uint8Array {
    let out = "";
    for (const event of this.parser.push(chunk)) out += this.relay(event);
    return out ? encoder.encode(out) : EMPTY;
  }

  end(): Uint8Array {
    let out = "";
    for (const event of this.parser.end()) out += this.relay(event);
    for (const index of [...this.pending.keys()]) out += this.flush(index);
    return out ? encoder.encode(out) : EMPTY;
  }

  private relay(event: SseEvent): string {
    if (event.comment === undefined) return this.handle(event.event, event.data);
    if (this.blocked) return "";
    return event.comment.split("\n").map((line) => `:${line}\n`).join("") + "\n";
  }

  private handle(event: string, data: string): string {
    if (this.blocked) return "";
    if (event === "content_block_delta") {
      const parsed = JSON.parse(data) as {
        index: number;
        delta?: { type?: string; text?: string };
      };
      if (parsed.delta?.type === "text_delta" && typeof parsed.delta.text === "string") {
        const held = this.pending.get(parsed.index);
        this.pending.set(parsed.index, {
          text: (held?.text ?? "") + parsed.delta.text,
          template: parsed,
        });
        return this.release(parsed.index, false);
      }
    }
    if (event === "content_block_stop") {
      const index = (JSON.parse(data) as { index: number }).index;
      return this.flush(index) + (this.blocked ? "" : sse(event, data));
    }
    if (event === "message_delta" || event === "message_stop") {
      let out = "";
      for (const index of [...this.pending.keys()]) out += this.flush(index);
      return this.blocked ? out : out + sse(event, data);
    }
    return sse(event, data);
  }

  private flush(index: number): string {
    return this.pending.has(index) ? this.release(index, true) : "";
  }

  /** Sends what is safe to send: everything when `all`, else all but the window. */
  private release(index: number, all: boolean): string {
    const held = this.pending.get(index)!;
    const matches = findMatches(held.text, this.policy.detectors);
    let cut = all ? held.text.length : Math.max(0, held.text.length - this.windowChars);
    for (const match of matches) if (match.start < cut && match.end > cut) cut = match.start;
    const sent = matches.filter((match) => match.end <= cut);
    const toRedact: Match[] = [];
    for (const match of sent) {
      this.verdicts[match.rule] = (this.verdicts[match.rule] ?? 0) + 1;
      const action = this.policy.rules[match.rule];
      if (action === "block") {
        this.blocked = true;
        this.pending.clear();
        return sse(
          "error",
          errorBody(
            "invalid_request_error",
            `Response blocked by gw guardrail ${displayRule(match.rule)}`,
            this.requestId,
          ),
        );
      }
      if (action === "redact") toRedact.push(match);
    }
    const text = redact(held.text.slice(0, cut), toRedact);
    if (all) this.pending.delete(index);
    else held.text = held.text.slice(cut);
    if (!text) return "";
    const template = held.template as { delta: Record<string, unknown> };
    return sse(
      "content_block_delta",
      JSON.stringify({ ...template, delta: { ...template.delta, text } }),
    );
  }
}

/** The whole non-streaming body, scanned at the end; a block replaces the text. */
export class JsonOutputGuard implements ChunkTransform {
  private readonly chunks: Uint8Array[] = [];
  readonly verdicts: Record<string, number> = {};
  readonly stopped = false;

  constructor(private readonly policy: CompiledPolicy) {}

  push(chunk: Uint8Array): Uint8Array {
    this.chunks.push(chunk);
    return EMPTY;
  }

  end(): Uint8Array {
    const text = new TextDecoder().decode(concat(this.chunks));
    let message: { content?: { type?: string; text?: string }[]; stop_reason?: string };
    try {
      message = JSON.parse(text);
    } catch {
      return encoder.encode(text);
    }
    for (const block of message.content ?? []) {
      if (block.type !== "text" || typeof block.text !== "string") continue;
      const matches = findMatches(block.text, this.policy.detectors);
      for (const match of matches) this.verdicts[match.rule] = (this.verdicts[match.rule] ?? 0) + 1;
      const blocking = matches.find((match) => this.policy.rules[match.rule] === "block");
      if (blocking) {
        block.text = `[Response blocked by gw guardrail ${displayRule(blocking.rule)}]`;
        message.stop_reason = "refusal";
        continue;
      }
      block.text = redact(
        block.text,
        matches.filter((match) => this.policy.rules[match.rule] === "redact"),
      );
    }
    return encoder.encode(JSON.stringify(message));
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
