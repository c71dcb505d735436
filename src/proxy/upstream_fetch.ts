/**
 * One upstream attempt: builds the request, enforces the first-byte timeout, and ties the
 * upstream request to the client's connection so a client that leaves stops the spend.
 */
import { ProviderAuthError } from "../providers/auth_error.ts";
import type { CanonicalRequest } from "../providers/types.ts";
import type { Target } from "../routing/router.ts";
import { GatewayError } from "../server/errors.ts";
import { type ConnectCheck, ConnectTimeout } from "./connect_check.ts";

export class ClientGone extends Error {
  constructor() {
    super("The client closed the connection");
    this.name = "ClientGone";
  }
}

/**
 * Credential failures already reported to the operator: requests waiting on one token
 * exchange share its error, which is worth one log line, not one per request.
 */
const reportedAuthErrors = new WeakSet<ProviderAuthError>();

/**
 * @example
 * const response = await upstreamFetch(target, request, clientSignal, 300_000);
 */
export async function upstreamFetch(
  target: Target,
  request: CanonicalRequest,
  clientSignal: AbortSignal,
  firstByteTimeoutMs: number,
  connectCheck: ConnectCheck,
): Promise<Response> {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(new ClientGone());
  if (clientSignal.aborted) throw new ClientGone();
  clientSignal.addEventListener("abort", onClientAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("first byte timeout"));
  }, firstByteTimeoutMs);
  try {
    const upstream = await target.provider.buildRequest(request, target.model, controller.signal);
    await connectCheck.ensure(upstream.url);
    const response = await fetch(upstream.url, upstream.init);
    connectCheck.markOk(upstream.url);
    return response;
  } catch (error) {
    clientSignal.removeEventListener("abort", onClientAbort);
    if (clientSignal.aborted) throw new ClientGone();
    if (error instanceof ProviderAuthError) {
      if (!reportedAuthErrors.has(error)) {
        reportedAuthErrors.add(error);
        console.error(`gw: provider ${target.provider.name}: ${error.message}`);
      }
      // A 5xx, so failover moves on to the next target and the circuit counts it.
      throw new GatewayError(
        "api_error",
        `Provider ${target.provider.name} could not get an access token: ${error.reason}`,
        { status: 502 },
      );
    }
    if (error instanceof ConnectTimeout) {
      throw new GatewayError(
        "api_error",
        `Provider ${target.provider.name} is unreachable: ${error.message}`,
        { status: 502 },
      );
    }
    if (timedOut) {
      throw new GatewayError(
        "timeout_error",
        `Provider ${target.provider.name} sent no response within ${
          Math.round(firstByteTimeoutMs / 1000)
        } s`,
      );
    }
    throw new GatewayError(
      "api_error",
      `Provider ${target.provider.name} is unreachable: ${describeNetworkError(error)}`,
      { status: 502 },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** A short cause without URLs or headers, which may carry credentials. */
function describeNetworkError(error: unknown): string {
  const message = error instanceof Error
    ? `${error.name} ${error.message} ${error.cause ?? ""}`
    : "";
  if (/refused/i.test(message)) return "connection refused";
  if (/reset/i.test(message)) return "connection reset";
  if (/dns|lookup|resolve/i.test(message)) return "host name does not resolve";
  if (/certificate|tls|ssl/i.test(message)) return "TLS handshake failed";
  return "network error";
}
