/**
 * A real local HTTP server that plays Bedrock Runtime. It verifies each request's SigV4
 * signature with its own implementation (WebCrypto, not gw's code), answers `invoke` with
 * JSON and `invoke-with-response-stream` with AWS event-stream frames split across chunks,
 * and can inject exceptions.
 */
import { encodeEventFrame } from "../../src/providers/bedrock/event_stream.ts";
import { DEFAULT_USAGE, type FakeUsage, message, sseEvents } from "./anthropic.ts";

export interface BedrockRecorded {
  path: string;
  modelId: string;
  headers: Headers;
  body: Record<string, unknown>;
  signatureValid: boolean;
}

export interface BedrockScenario {
  httpError?: { status: number; type: string; message: string };
  /** Send this exception frame after the first few events. */
  exception?: { type: string; message: string };
  usage?: FakeUsage;
}

const encoder = new TextEncoder();

async function hmac(key: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  const imported = await crypto.subtle.importKey(
    "raw",
    key as BufferSource,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return crypto.subtle.sign("HMAC", imported, encoder.encode(data));
}

async function hex(data: ArrayBuffer | Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function toHex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class FakeBedrock {
  readonly requests: BedrockRecorded[] = [];
  readonly queue: BedrockScenario[] = [];
  /** The bytes of every event stream sent, to compare with what clients received. */
  readonly sentStreams: Uint8Array[] = [];
  accessKeyId = "AKIAFAKEBEDROCK";
  secretAccessKey = "fake/secret+key";
  region = "us-east-1";
  private server?: Deno.HttpServer<Deno.NetAddr>;

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

  stop(): Promise<void> {
    return this.server!.shutdown();
  }

  /** Recomputes the signature from the wire request, as AWS does. */
  private async verify(req: Request, url: URL, body: Uint8Array): Promise<boolean> {
    const auth = req.headers.get("authorization") ?? "";
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/
        .exec(auth);
    if (!match) return false;
    const [, keyId, day, region, service, signedHeaders, signature] = match;
    if (keyId !== this.accessKeyId || region !== this.region || service !== "bedrock") return false;
    const payloadHash = await hex(body);
    if (req.headers.get("x-amz-content-sha256") !== payloadHash) return false;
    const rawPath = req.url.slice(req.url.indexOf("/", 8)).split("?")[0];
    const canonicalPath = rawPath.split("/").map((segment) => encodeURIComponent(segment)).join(
      "/",
    );
    const headerLines = signedHeaders.split(";").map((name) =>
      `${name}:${(req.headers.get(name) ?? "").trim()}\n`
    ).join("");
    const canonical = [
      "POST",
      canonicalPath,
      url.search.slice(1),
      headerLines,
      signedHeaders,
      payloadHash,
    ].join("\n");
    const date = req.headers.get("x-amz-date") ?? "";
    const toSign = [
      "AWS4-HMAC-SHA256",
      date,
      `${day}/${region}/${service}/aws4_request`,
      await hex(canonical),
    ].join("\n");
    let key = await hmac(encoder.encode(`AWS4${this.secretAccessKey}`), day);
    for (const part of [region, service, "aws4_request"]) key = await hmac(key, part);
    return toHex(await hmac(key, toSign)) === signature;
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const bytes = new Uint8Array(await req.arrayBuffer());
    const match = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream|count-tokens)$/.exec(
      url.pathname,
    );
    const signatureValid = await this.verify(req, url, bytes);
    const body = bytes.length ? JSON.parse(new TextDecoder().decode(bytes)) : {};
    const modelId = match ? decodeURIComponent(match[1]) : "";
    this.requests.push({ path: url.pathname, modelId, headers: req.headers, body, signatureValid });
    if (!signatureValid) {
      return this.error(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided.",
      );
    }
    if (!match) return this.error(404, "ResourceNotFoundException", "Unknown operation");
    if (match[2] === "count-tokens") {
      const inner = JSON.parse(atob(body.input.invokeModel.body));
      return Response.json({ inputTokens: JSON.stringify(inner.messages).length });
    }
    if (body.model !== undefined || body.anthropic_version !== "bedrock-2023-05-31") {
      return this.error(
        400,
        "ValidationException",
        "Malformed input request: extraneous key [model] is not permitted",
      );
    }
    const scenario = this.queue.shift() ?? {};
    if (scenario.httpError) {
      return this.error(
        scenario.httpError.status,
        scenario.httpError.type,
        scenario.httpError.message,
      );
    }
    const usage = scenario.usage ?? DEFAULT_USAGE;
    if (match[2] === "invoke") {
      return Response.json(message(modelId, usage, "Hello from Bedrock."), {
        headers: { "x-amzn-requestid": "bedrock-req-1", date: new Date().toUTCString() },
      });
    }
    return this.stream(modelId, usage, scenario);
  }

  private stream(modelId: string, usage: FakeUsage, scenario: BedrockScenario): Response {
    const events = sseEvents(modelId, usage, "Hello from Bedrock streaming.")
      .filter((event) => event.startsWith("event: ") && !event.startsWith("event: ping"))
      .map((event) => event.slice(event.indexOf("data: ") + 6).trim());
    const frames: Uint8Array[] = [];
    events.forEach((json, i) => {
      if (scenario.exception && i === 3) {
        frames.push(encodeEventFrame(
          {
            ":message-type": "exception",
            ":exception-type": scenario.exception.type,
            ":content-type": "application/json",
          },
          encoder.encode(JSON.stringify({ message: scenario.exception.message })),
        ));
      }
      if (scenario.exception && i >= 3) return;
      const payload = JSON.stringify({
        bytes: btoa(String.fromCharCode(...encoder.encode(json))),
        p: "abcdefgh".slice(0, i % 8),
      });
      frames.push(encodeEventFrame(
        { ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" },
        encoder.encode(payload),
      ));
    });
    // Split the byte stream at awkward places so frames span chunks.
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const frame of frames) {
      all.set(frame, offset);
      offset += frame.length;
    }
    this.sentStreams.push(all);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += 37) chunks.push(all.subarray(i, i + 37));
    return new Response(ReadableStream.from(chunks), {
      headers: {
        "content-type": "application/vnd.amazon.eventstream",
        "x-amzn-bedrock-content-type": "application/json",
        "x-amzn-requestid": "bedrock-req-2",
      },
    });
  }

  private error(status: number, type: string, message: string): Response {
    return Response.json({ message }, {
      status,
      headers: {
        "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
        "x-amzn-requestid": "bedrock-err",
      },
    });
  }
}
