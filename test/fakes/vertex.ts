/**
 * A real local HTTP server that plays Vertex AI and Google's token endpoint. The token
 * endpoint verifies the JWT's RS256 signature against the test service account's public key;
 * predict calls accept only tokens it issued. Faults: a token endpoint that never answers, or
 * one that refuses the service account as Google does for a deleted or disabled one.
 */
import { DEFAULT_USAGE, type FakeUsage, message, sseEvents } from "./anthropic.ts";

export interface VertexRecorded {
  path: string;
  headers: Headers;
  body: Record<string, unknown>;
}

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
}

function fromB64url(text: string): Uint8Array {
  const padded = text.replaceAll("-", "+").replaceAll("_", "/");
  return Uint8Array.from(
    atob(padded + "=".repeat((4 - padded.length % 4) % 4)),
    (c) => c.charCodeAt(0),
  );
}

/** A fresh RSA service account: the key file gw gets, and the public key the fake checks. */
export async function makeServiceAccount(tokenUri: string) {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const pem = `-----BEGIN PRIVATE KEY-----\n${
    btoa(String.fromCharCode(...pkcs8)).match(/.{1,64}/g)!.join("\n")
  }\n-----END PRIVATE KEY-----\n`;
  return {
    publicKey: pair.publicKey,
    json: JSON.stringify({
      type: "service_account",
      project_id: "test-project",
      private_key_id: "kid-1",
      private_key: pem,
      client_email: "gw@test-project.iam.gserviceaccount.com",
      token_uri: tokenUri,
    }),
  };
}

/** How the token endpoint behaves: `issue` tokens, `hang` without answering, `reject` 400. */
export type TokenMode = "issue" | "hang" | "reject";

export class FakeVertex {
  readonly requests: VertexRecorded[] = [];
  readonly tokensIssued: string[] = [];
  /** Every request to the token endpoint, answered or not. */
  tokenRequests = 0;
  tokenMode: TokenMode = "issue";
  publicKey?: CryptoKey;
  usage: FakeUsage = DEFAULT_USAGE;
  private server?: Deno.HttpServer<Deno.NetAddr>;
  /** Ends hung token requests on stop, which otherwise waits for them. */
  private readonly stopping = new AbortController();

  get url(): string {
    return `http://127.0.0.1:${this.server!.addr.port}`;
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  start(): this {
    this.server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      (req) => this.handle(req),
    );
    return this;
  }

  stop(): Promise<void> {
    this.stopping.abort();
    return this.server!.shutdown();
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/token") return this.token(req);
    const text = await req.text();
    const body = text ? JSON.parse(text) : {};
    this.requests.push({ path: url.pathname, headers: req.headers, body });
    const token = req.headers.get("authorization")?.replace(/^Bearer /, "");
    if (!token || !this.tokensIssued.includes(token)) {
      return Response.json([{
        error: {
          code: 401,
          message: "Request had invalid authentication credentials.",
          status: "UNAUTHENTICATED",
        },
      }], { status: 401 });
    }
    const match =
      /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/
        .exec(url.pathname);
    if (!match) {
      return Response.json({ error: { code: 404, message: "not found", status: "NOT_FOUND" } }, {
        status: 404,
      });
    }
    if (match[3] === "count-tokens") return Response.json({ input_tokens: 42 });
    if (body.model !== undefined || body.anthropic_version !== "vertex-2023-10-16") {
      return Response.json({
        error: { code: 400, message: "model must not be in the body", status: "INVALID_ARGUMENT" },
      }, { status: 400 });
    }
    const model = decodeURIComponent(match[3]);
    if (match[4] === "rawPredict") {
      return Response.json(message(model, this.usage, "Hello from Vertex."));
    }
    return new Response(sseEvents(model, this.usage, "Hello from Vertex streaming.").join(""), {
      headers: { "content-type": "text/event-stream" },
    });
  }

  private async token(req: Request): Promise<Response> {
    this.tokenRequests++;
    if (this.tokenMode === "hang") {
      const gone = AbortSignal.any([req.signal, this.stopping.signal]);
      await new Promise((resolve) => gone.addEventListener("abort", resolve, { once: true }));
      return new Response(null, { status: 504 });
    }
    if (this.tokenMode === "reject") {
      // The account in the description stands for what must not reach a developer.
      return Response.json({
        error: "invalid_grant",
        error_description:
          "Invalid grant: account not found (gw@test-project.iam.gserviceaccount.com)",
      }, { status: 400 });
    }
    const form = new URLSearchParams(await req.text());
    const assertion = form.get("assertion") ?? "";
    const [header, claims, signature] = assertion.split(".");
    const valid = form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer" &&
      signature !== undefined &&
      await crypto.subtle.verify(
        "RSASSA-PKCS1-v1_5",
        this.publicKey!,
        fromB64url(signature) as BufferSource,
        new TextEncoder().encode(`${header}.${claims}`),
      );
    const payload = valid ? JSON.parse(new TextDecoder().decode(fromB64url(claims))) : {};
    if (
      !valid || payload.aud !== this.tokenUrl ||
      payload.scope !== "https://www.googleapis.com/auth/cloud-platform"
    ) {
      return Response.json(
        { error: "invalid_grant", error_description: "Invalid JWT Signature." },
        { status: 400 },
      );
    }
    const token = `ya29.fake-${this.tokensIssued.length}-${
      b64url(crypto.getRandomValues(new Uint8Array(8)))
    }`;
    this.tokensIssued.push(token);
    return Response.json({ access_token: token, expires_in: 3599, token_type: "Bearer" });
  }
}
