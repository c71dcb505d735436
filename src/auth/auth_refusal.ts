/**
 * The 401 for a request without a usable gw key, with the reason as a label. Such requests
 * are attributable to no one, so gw counts them by reason instead of logging a row each: a
 * flood of bad keys must cost a counter, not storage.
 */
import { GatewayError } from "../server/errors.ts";

/** Every reason the authenticator tells apart; metrics render each, even at zero. */
export const AUTH_REFUSAL_REASONS = [
  "missing",
  "not_gw_key",
  "unknown",
  "revoked",
  "expired",
] as const;

export type AuthRefusalReason = typeof AUTH_REFUSAL_REASONS[number];

/**
 * @example
 * throw new AuthRefusal("missing", "Missing gw key: set ANTHROPIC_AUTH_TOKEN");
 */
export class AuthRefusal extends GatewayError {
  constructor(readonly reason: AuthRefusalReason, message: string) {
    // Final: retrying with the same key cannot succeed, so Claude Code shows the message at once.
    super("authentication_error", message, { retryable: false });
    this.name = "AuthRefusal";
  }
}
