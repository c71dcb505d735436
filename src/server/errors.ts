/**
 * The one place a failure becomes what a client sees: Anthropic-format error JSON with the
 * right status, a request id, and `x-should-retry` for refusals that a retry cannot fix.
 */

/** Anthropic's error types, in the order of its docs; the status is what Anthropic uses. */
export const ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

export interface GatewayErrorOptions {
  /** Overrides the type's usual status (budgets answer 429 with `billing_error`). */
  status?: number;
  /** False for refusals that are final: Claude Code then shows the message at once. */
  retryable?: boolean;
  /** Extra response headers such as `retry-after`. */
  headers?: Record<string, string>;
}

/**
 * A refusal or failure made by gw itself.
 *
 * @example
 * throw new GatewayError("authentication_error", "gw key is revoked", { retryable: false });
 */
export class GatewayError extends Error {
  readonly type: ErrorType;
  readonly status: number;
  readonly retryable: boolean;
  readonly headers: Record<string, string>;

  constructor(type: ErrorType, message: string, options: GatewayErrorOptions = {}) {
    super(message);
    this.name = "GatewayError";
    this.type = type;
    this.status = options.status ?? ERROR_STATUS[type];
    this.retryable = options.retryable ?? this.status >= 500;
    this.headers = options.headers ?? {};
  }
}

/** The JSON body Anthropic sends for an error. */
export function errorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: "error", error: { type, message }, request_id: requestId });
}

/**
 * Turns any thrown value into an Anthropic-format response. Unknown errors become a generic
 * 500 whose message never carries internals (they may hold secrets); the caller logs them.
 */
export function errorResponse(error: unknown, requestId: string): Response {
  const known = error instanceof GatewayError
    ? error
    : new GatewayError("api_error", "Internal gateway error");
  const headers = new Headers(known.headers);
  headers.set("content-type", "application/json");
  headers.set("request-id", requestId);
  headers.set("x-should-retry", String(known.retryable));
  return new Response(errorBody(known.type, known.message, requestId), {
    status: known.status,
    headers,
  });
}
