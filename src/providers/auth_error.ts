/**
 * An adapter could not get the credential it signs requests with, e.g. a Google token
 * exchange failed. The developer and the request log get `reason`, which says what kind of
 * failure it was and never names an account, project or secret; the operator's log and
 * `gw providers test` get `message`, the full detail.
 */
export class ProviderAuthError extends Error {
  /**
   * @example
   * throw new ProviderAuthError("the token endpoint answered 400 invalid_grant",
   *   "Google token exchange failed (HTTP 400): Invalid JWT Signature.");
   */
  constructor(readonly reason: string, detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = "ProviderAuthError";
  }
}
