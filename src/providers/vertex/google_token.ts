/**
 * OAuth2 access tokens from a Google service account: a JWT signed RS256 with WebCrypto,
 * exchanged at the token endpoint, cached, and refreshed five minutes before it expires with
 * at most one refresh in flight. The exchange has its own timeout, since requests share it,
 * and each request stops waiting for it when its own signal aborts.
 */
import { fromBase64, toBase64Url } from "../../crypto/base64.ts";
import { ProviderAuthError } from "../auth_error.ts";

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
  project_id?: string;
}

export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
const REFRESH_EARLY_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  return fromBase64(body);
}

/** The signed assertion sent to the token endpoint. */
export async function signJwt(
  account: ServiceAccount,
  audience: string,
  nowSeconds: number,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pemToDer(account.private_key) as Uint8Array<ArrayBuffer>,
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const encode = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));
  const header = {
    alg: "RS256",
    typ: "JWT",
    ...(account.private_key_id ? { kid: account.private_key_id } : {}),
  };
  const claims = {
    iss: account.client_email,
    scope: CLOUD_PLATFORM_SCOPE,
    aud: audience,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  };
  const unsigned = `${encode(header)}.${encode(claims)}`;
  const signature = await crypto.subtle.sign(
    "RSASSA-PKCS1-v1_5",
    key,
    new TextEncoder().encode(unsigned),
  );
  return `${unsigned}.${toBase64Url(new Uint8Array(signature))}`;
}

export interface TokenSourceOptions {
  /** Overrides the service account's `token_uri`. */
  tokenUri?: string;
  /** How long one exchange may take, body included. */
  timeoutMs?: number;
  now?: () => number;
}

/** Rejects with the signal's reason once it aborts; the promise itself runs on. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() =>
    signal.removeEventListener("abort", onAbort)
  );
}

export class GoogleTokenSource {
  private token?: { value: string; expiresAt: number };
  private refreshing?: Promise<string>;
  private readonly tokenUri: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly account: ServiceAccount, options: TokenSourceOptions = {}) {
    if (!account.client_email || !account.private_key) {
      throw new Error("Service account JSON needs client_email and private_key");
    }
    this.tokenUri = options.tokenUri ?? account.token_uri ?? DEFAULT_TOKEN_URI;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Rejects with a ProviderAuthError when the exchange fails, or with the signal's reason.
   *
   * @example
   * headers.set("authorization", `Bearer ${await tokens.accessToken(signal)}`);
   */
  accessToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt - REFRESH_EARLY_MS) {
      return Promise.resolve(this.token.value);
    }
    this.refreshing ??= this.fetchToken().finally(() => this.refreshing = undefined);
    return signal ? untilAborted(this.refreshing, signal) : this.refreshing;
  }

  private async fetchToken(): Promise<string> {
    const assertion = await signJwt(this.account, this.tokenUri, Math.floor(this.now() / 1000));
    let response: Response;
    let body: Record<string, unknown>;
    try {
      response = await fetch(this.tokenUri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
          assertion,
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await response.json().catch((error) => {
        if (error instanceof DOMException && error.name === "TimeoutError") throw error;
        return {};
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        throw new ProviderAuthError(
          `the token endpoint did not answer within ${Math.ceil(this.timeoutMs / 1000)} s`,
          `Google token endpoint ${this.tokenUri} did not answer within ${this.timeoutMs} ms`,
        );
      }
      throw new ProviderAuthError(
        "the token endpoint is unreachable",
        `Google token endpoint ${this.tokenUri} is unreachable: ${error}`,
        { cause: error },
      );
    }
    if (!response.ok || typeof body.access_token !== "string") {
      // Only an OAuth error code reaches the developer: descriptions may name the account.
      const code = typeof body.error === "string" && /^[a-z_]{1,64}$/.test(body.error)
        ? ` ${body.error}`
        : "";
      throw new ProviderAuthError(
        response.ok
          ? "the token endpoint answered without a token"
          : `the token endpoint answered ${response.status}${code}`,
        `Google token exchange failed (HTTP ${response.status}): ${
          body.error_description ?? body.error ?? "no token"
        }`,
      );
    }
    const lifetime = typeof body.expires_in === "number" ? body.expires_in : 3600;
    this.token = { value: body.access_token, expiresAt: this.now() + lifetime * 1000 };
    return this.token.value;
  }
}
