/**
 * Resolves the gw key on a request to its record. Lookups hit an in-memory cache of hashes;
 * `invalidate` empties it (on a local change at once, on other instances when the revision
 * poll sees the change).
 */
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { AuthRefusal } from "./auth_refusal.ts";
import { displayPrefix, hashKeySecret, looksLikeKey } from "./key_secret.ts";
import { assertKeyUsable } from "./key_check.ts";

/** Unknown hashes remembered, so a client retrying a bad key cannot hammer the DB. */
const MAX_CACHED_MISSES = 10_000;

export type KeyLookup = (hash: string) => Promise<KeyRecord | undefined>;

/** The gw key from `x-api-key` or `Authorization: Bearer`, whichever holds one. */
export function keyFromHeaders(headers: Headers): string | undefined {
  const apiKey = headers.get("x-api-key")?.trim();
  const bearer = headers.get("authorization")?.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1];
  const candidates = [apiKey, bearer].filter((value): value is string => !!value);
  return candidates.find(looksLikeKey) ?? candidates[0];
}

export class Authenticator {
  private readonly hits = new Map<string, KeyRecord>();
  private readonly misses = new Set<string>();

  constructor(private readonly lookup: KeyLookup, private readonly now = Date.now) {}

  /**
   * @example
   * const key = await authenticator.authenticate(request.headers);
   */
  async authenticate(headers: Headers): Promise<KeyRecord> {
    const secret = keyFromHeaders(headers);
    if (!secret) {
      throw new AuthRefusal(
        "missing",
        "Missing gw key: set ANTHROPIC_AUTH_TOKEN (or send x-api-key) to a key from `gw keys create`",
      );
    }
    if (!looksLikeKey(secret)) {
      throw new AuthRefusal(
        "not_gw_key",
        "This is not a gw key (they start with gw_): use the key your gw admin gave you, not a provider key",
      );
    }
    const key = await this.find(secret);
    if (!key) {
      throw new AuthRefusal(
        "unknown",
        `Unknown gw key ${
          displayPrefix(secret)
        }…: it does not exist or was rotated; ask your gw admin for a key`,
      );
    }
    assertKeyUsable(key, this.now());
    return key;
  }

  invalidate(): void {
    this.hits.clear();
    this.misses.clear();
  }

  private async find(secret: string): Promise<KeyRecord | undefined> {
    const hash = hashKeySecret(secret);
    const cached = this.hits.get(hash);
    if (cached) return cached;
    if (this.misses.has(hash)) return undefined;
    const key = await this.lookup(hash);
    if (key) this.hits.set(hash, key);
    else {
      if (this.misses.size >= MAX_CACHED_MISSES) this.misses.clear();
      this.misses.add(hash);
    }
    return key;
  }
}
