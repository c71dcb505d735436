/**
 * Picks top-level fields out of a JSON object as it streams past, without holding the whole
 * document: only the raw text of the wanted fields is kept. Used to read `usage` and `model`
 * from non-streaming responses. Object, array and string values are captured; other scalars
 * are not needed and are skipped.
 */
export class JsonFieldScanner {
  private readonly decoder = new TextDecoder();
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Whether the next top-level token is a key or a value. */
  private slot: "key" | "value" = "key";
  private key = "";
  private lastKey = "";
  private wantValue = false;
  private capture?: { field: string; text: string; isString: boolean };
  private readonly found = new Map<string, string>();

  constructor(private readonly wanted: ReadonlySet<string>) {}

  /**
   * @example
   * const scanner = new JsonFieldScanner(new Set(["usage"]));
   * scanner.push(new TextEncoder().encode('{"usage":{"input_tokens":3}}'));
   * scanner.value("usage"); // { input_tokens: 3 }
   */
  push(chunk: Uint8Array): void {
    this.scan(this.decoder.decode(chunk, { stream: true }));
  }

  /** The parsed value of a field, if it was seen in full. */
  value(field: string): unknown {
    const text = this.found.get(field);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  private scan(text: string): void {
    let from = this.capture ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === "\\") this.escaped = true;
        else if (ch === '"') {
          this.inString = false;
          if (this.depth === 1 && this.slot === "key") this.lastKey = this.key;
          if (this.capture?.isString && this.depth === 1) from = this.endCapture(text, from, i);
        } else if (this.depth === 1 && this.slot === "key") this.key += ch;
        continue;
      }
      switch (ch) {
        case '"':
          this.inString = true;
          if (this.depth !== 1) break;
          if (this.slot === "key") this.key = "";
          else if (this.wantValue && !this.capture) from = this.startCapture(i, true);
          break;
        case "{":
        case "[":
          if (this.depth === 1 && this.wantValue && !this.capture) {
            from = this.startCapture(i, false);
          }
          this.depth++;
          if (this.depth === 1) this.slot = "key";
          break;
        case "}":
        case "]":
          this.depth--;
          if (this.capture && !this.capture.isString && this.depth === 1) {
            from = this.endCapture(text, from, i);
          }
          break;
        case ":":
          if (this.depth === 1) {
            this.slot = "value";
            this.wantValue = this.wanted.has(this.lastKey);
          }
          break;
        case ",":
          if (this.depth === 1) {
            this.slot = "key";
            this.wantValue = false;
          }
          break;
      }
    }
    if (this.capture && from !== -1) this.capture.text += text.slice(from);
  }

  private startCapture(index: number, isString: boolean): number {
    this.capture = { field: this.lastKey, text: "", isString };
    this.wantValue = false;
    return index;
  }

  private endCapture(text: string, from: number, index: number): number {
    const capture = this.capture!;
    this.found.set(capture.field, capture.text + text.slice(from, index + 1));
    this.capture = undefined;
    return -1;
  }
}
