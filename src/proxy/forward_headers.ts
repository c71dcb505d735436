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
export function upstreamHeaders(client: Headers): Headers {
  const out = new Headers();
  for (const [name, value] of client) {
    if (NOT_TO_UPSTREAM.has(name) || name.startsWith("x-gw-")) continue;
    out.append(name, value);
  }
  return out;
}

/**
 * Upstream response headers that reach the client, plus gw's own. When gw reports the
 * developer's budget, the upstream's rate-limit headers go: they describe the shared provider
 * quota, not anything the developer controls.
 */
export function clientHeaders(
  upstream: Headers,
  requestId: string,
  own: Record<string, string> = {},
): Headers {
  const replaceRateLimits = "anthropic-ratelimit-unified-status" in own;
  const out = new Headers();
  for (const [name, value] of upstream) {
    if (NOT_TO_CLIENT.has(name)) continue;
    if (replaceRateLimits && name.startsWith("anthropic-ratelimit-")) continue;
    out.append(name, value);
  }
  for (const [name, value] of Object.entries(own)) out.set(name, value);
  out.set("x-gw-request-id", requestId);
  return out;
}
