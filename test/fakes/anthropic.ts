/**
 * A real local HTTP server that plays the Anthropic API: JSON and SSE Messages responses with
 * realistic usage, count_tokens, models, error injection, and a record of every request.
 */

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export interface Scenario {
  /** Answer with this status and body instead of a message. */
  error?: { status: number; body: string; headers?: Record<string, string> };
  usage?: FakeUsage;
  text?: string;
  /** Exact text deltas to stream, e.g. a secret split across two of them. */
  deltas?: string[];
  /** Pause between SSE events, to watch chunks arrive one by one. */
  eventDelayMs?: number;
  /** Close the connection after this many SSE events. */
  dropAfterEvents?: number;
  /** Answer 200 with this raw body and content type instead of a message. */
  raw?: { contentType: string; body: string };
  /** Hold the response open after this many events until the client goes away. */
  hangAfterEvents?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: string;
  /** Set when the client (gw) aborted the request before the response ended. */
  aborted: boolean;
}

export const DEFAULT_USAGE: FakeUsage = {
  input_tokens: 12,
  output_tokens: 34,
  cache_creation_input_tokens: 1500,
  cache_read_input_tokens: 20000,
  cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 500 },
};

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  /** Scenarios used in order, one per Messages request; `fallback` after they run out. */
  readonly queue: Scenario[] = [];
  fallback: Scenario = {};
  apiKey = "sk-ant-fake-provider-key";
  private server?: Deno.HttpServer<Deno.NetAddr>;
  /** The bytes of every SSE response sent, to compare with what clients received. */
  readonly sentStreams: Uint8Array[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.server!.addr.port}`;
  }

  start(): this {
    this.server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      (req) => this.handle(req),
    );
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.shutdown();
  }

  messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === "/v1/messages");
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const record: RecordedRequest = {
      method: req.method,
      path: url.pathname,
      search: url.search,
      headers: req.headers,
      body: await req.text(),
      aborted: false,
    };
    this.requests.push(record);
    req.signal.addEventListener("abort", () => record.aborted = true);
    if (req.headers.get("x-api-key") !== this.apiKey) {
      return json(401, {
        type: "error",
        error: { type: "authentication_error", message: "invalid x-api-key" },
      });
    }
    if (url.pathname === "/v1/messages/count_tokens") {
      return json(200, { input_tokens: Math.ceil(record.body.length / 4) });
    }
    if (url.pathname === "/v1/models") {
      return json(200, { data: [{ type: "model", id: "claude-upstream-1" }], has_more: false });
    }
    if (url.pathname !== "/v1/messages") {
      return json(404, { type: "error", error: { type: "not_found_error", message: "nope" } });
    }
    const scenario = this.queue.shift() ?? this.fallback;
    if (scenario.raw) {
      return new Response(scenario.raw.body, {
        headers: { "content-type": scenario.raw.contentType },
      });
    }
    if (scenario.error) {
      return new Response(scenario.error.body, {
        status: scenario.error.status,
        headers: { "content-type": "application/json", ...scenario.error.headers },
      });
    }
    const body = JSON.parse(record.body);
    const usage = scenario.usage ?? DEFAULT_USAGE;
    const text = scenario.text ?? "Hello from the fake upstream.";
    if (body.stream) return this.stream(body.model, usage, text, scenario, req.signal);
    return json(200, message(body.model, usage, text), { "request-id": "req_fake_json" });
  }

  private stream(
    model: string,
    usage: FakeUsage,
    text: string,
    scenario: Scenario,
    signal: AbortSignal,
  ): Response {
    const events = sseEvents(model, usage, text, scenario.deltas);
    const encoder = new TextEncoder();
    const sent: Uint8Array[] = [];
    const record = () => this.sentStreams.push(concat(sent));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let i = 0; i < events.length; i++) {
          if (scenario.dropAfterEvents === i) {
            record();
            // Let the events already queued reach the wire before the connection dies.
            await new Promise((r) => setTimeout(r, 50));
            controller.error(new Error("connection dropped by fake"));
            return;
          }
          if (scenario.hangAfterEvents === i) {
            await new Promise((resolve) => signal.addEventListener("abort", resolve));
            record();
            return;
          }
          if (scenario.eventDelayMs) await new Promise((r) => setTimeout(r, scenario.eventDelayMs));
          const bytes = encoder.encode(events[i]);
          sent.push(bytes);
          try {
            controller.enqueue(bytes);
          } catch {
            record();
            return;
          }
        }
        record();
        controller.close();
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "request-id": "req_fake_stream",
        "anthropic-ratelimit-requests-remaining": "999",
      },
    });
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export function message(model: string, usage: FakeUsage, text: string): Record<string, unknown> {
  return {
    id: "msg_fake_01",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage,
  };
}

/** A realistic event sequence: start, a ping, a text block in several deltas, delta, stop. */
export function sseEvents(
  model: string,
  usage: FakeUsage,
  text: string,
  deltas?: string[],
): string[] {
  const event = (name: string, data: unknown) =>
    `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const words = deltas ?? text.match(/\S+\s*/g) ?? [text];
  return [
    event("message_start", {
      type: "message_start",
      message: {
        id: "msg_fake_01",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
    event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    }),
    ": an SSE comment the relay must keep\n\n",
    event("ping", { type: "ping" }),
    ...words.map((word) =>
      event("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: word },
      })
    ),
    event("content_block_stop", { type: "content_block_stop", index: 0 }),
    event("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
    event("message_stop", { type: "message_stop" }),
  ];
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
