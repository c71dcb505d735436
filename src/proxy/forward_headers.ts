/**
 * Which headers cross gw. Client → upstream is an open list minus credentials, hop-by-hop and
 * gw's own headers, so new `anthropic-*` headers work on day one. Upstream → client drops only
 * what gw's own framing replaces.
 */

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

const NOT_TO_UPSTREAM = new Set([
  ...HOP_BY_HOP,
  "host",
  "content-length",
  // fetch negotiates and decodes its own compression.
  "accept-encoding",
  "authorization",
  "x-api-key",
  "cookie",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip",
]);

const NOT_TO_CLIENT = new Set([
  ...HOP_BY_HOP,
  // fetch already decoded the body, so the upstream's length and encoding no longer hold.
  "content-length",
  "content-encoding",
  "set-cookie",
]);

/** Client headers that go upstream: everything but credentials, hop-by-hop and `x-gw-*`. */
export function upstreamHeaders(client: Headers): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of client) {
    if (NOT_TO_UPSTREAM.has(name) || name.startsWith("x-gw-")) continue;
    out.push([name, value]);
  }
  return out;
}

/**
 * The client's response: the upstream's headers, plus gw's own. When gw reports the
 * developer's budget, the upstream's rate-limit headers go: they describe the shared provider
 * quota, not anything the developer controls. The headers are copied by handing the upstream's
 * `Headers` to `Response` and deleting what must not cross, which skips iterating them (see
 * `HeaderList`).
 */
export function clientResponse(
  body: ReadableStream<Uint8Array> | null,
  status: number,
  upstream: Headers,
  requestId: string,
  own: Record<string, string> = {},
): Response {
  const response = new Response(body, { status, headers: upstream });
  const headers = response.headers;
  for (const name of NOT_TO_CLIENT) headers.delete(name);
  if ("anthropic-ratelimit-unified-status" in own) {
    const quota = [...headers.keys()].filter((name) => name.startsWith("anthropic-ratelimit-"));
    for (const name of quota) headers.delete(name);
  }
  for (const [name, value] of Object.entries(own)) headers.set(name, value);
  headers.set("x-gw-request-id", requestId);
  return response;
}
