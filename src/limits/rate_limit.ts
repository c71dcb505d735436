/**
 * Rate limits on keys, users and teams: requests and tokens per minute (token buckets) and
 * concurrent requests, held in a RateStore shared by every process (sql_rate_store.ts). Far
 * from a limit a request costs no database round trip: each process takes requests from the
 * shared bucket a small chunk at a time, and checks tokens per minute against the level it
 * last read (at most a second old), charging tokens after the fact as they are counted.
 */
import type { Chargee } from "./budget.ts";
import { GatewayError } from "../server/errors.ts";
import type { RateStore } from "./rate_store.ts";

export type RateLimitScope = "key" | "user" | "team";

export interface RateLimit {
  id: string;
  scope: RateLimitScope;
  value: string;
  rpm: number | null;
  tpm: number | null;
  concurrent: number | null;
}

const MINUTE = 60_000;
/** How stale a token bucket's level may be before a request waits for a fresh read. */
const TOKEN_VIEW_MS = 1000;

/** Requests a process takes from a shared bucket at once: a twentieth of the limit, 1 to 50. */
export function requestChunk(rpm: number): number {
  return Math.max(1, Math.min(50, Math.floor(rpm / 20)));
}

/** A lease on the limits; `release` must be called once when the request ends. */
export interface RateLease {
  release(tokensUsed: number): void;
}

/** Follows the key's identity, never its attribution: a declared user is not limited as one. */
function subject(limit: RateLimit, chargee: Chargee): boolean {
  switch (limit.scope) {
    case "key":
      return limit.value === chargee.keyId;
    case "user":
      return limit.value === chargee.identity.user;
    case "team":
      return limit.value === chargee.identity.team;
  }
}

const NO_LEASE: RateLease = { release() {} };

export class RateLimiter {
  private limits: readonly RateLimit[] = [];
  /** Requests this process has taken from each shared request bucket and not used yet. */
  private readonly requests = new Map<string, number>();
  /** The token bucket's level as last read or charged, and when. */
  private readonly tokens = new Map<string, { level: number; at: number }>();

  constructor(private readonly store: RateStore, private readonly now = Date.now) {}

  setLimits(limits: readonly RateLimit[]): void {
    this.limits = limits;
    this.requests.clear();
  }

  /**
   * Admits a request or throws a 429 `rate_limit_error` with `retry-after`; answers at once
   * unless a shared bucket must be asked.
   *
   * @example
   * const lease = await limiter.acquire(chargee);
   * try { … } finally { lease.release(tokensUsed); }
   */
  acquire(chargee: Chargee): RateLease | Promise<RateLease> {
    const applicable = this.limits.filter((limit) => subject(limit, chargee));
    if (applicable.length === 0) return NO_LEASE;
    const now = this.now();
    if (applicable.every((limit) => this.coveredLocally(limit, now))) {
      return this.lease(applicable);
    }
    return this.acquireShared(applicable, now);
  }

  /** Keeps this process's running counts alive in the shared store. */
  renew(): Promise<void> {
    return this.store.renew(this.now());
  }

  private coveredLocally(limit: RateLimit, now: number): boolean {
    if (limit.concurrent !== null) return false;
    if (limit.rpm !== null && (this.requests.get(limit.id) ?? 0) < 1) return false;
    if (limit.tpm !== null) {
      const view = this.tokens.get(limit.id);
      if (!view || now - view.at > TOKEN_VIEW_MS || view.level <= 0) return false;
    }
    return true;
  }

  private async acquireShared(applicable: readonly RateLimit[], now: number): Promise<RateLease> {
    const entered: RateLimit[] = [];
    try {
      for (const limit of applicable) {
        if (limit.rpm !== null && (this.requests.get(limit.id) ?? 0) < 1) {
          await this.takeRequests(limit, now);
        }
        if (limit.tpm !== null) await this.checkTokens(limit, now);
      }
      for (const limit of applicable) {
        if (limit.concurrent === null) continue;
        if (!await this.store.enter(limit, now)) {
          throw this.refusal(
            limit,
            `${limit.concurrent} concurrent requests`,
            1000,
            limit.concurrent,
            0,
          );
        }
        entered.push(limit);
      }
    } catch (error) {
      for (const limit of entered) void this.store.leave(limit).catch(() => {});
      throw error;
    }
    return this.lease(applicable);
  }

  private async takeRequests(limit: RateLimit, now: number): Promise<void> {
    const rpm = limit.rpm!;
    const chunk = requestChunk(rpm);
    const got = await this.store.takeRequests(limit, chunk, now)
      ? chunk
      : chunk > 1 && await this.store.takeRequests(limit, 1, now)
      ? 1
      : 0;
    if (got === 0) {
      throw this.refusal(limit, `${rpm} requests per minute`, MINUTE / rpm, rpm, 0);
    }
    this.requests.set(limit.id, (this.requests.get(limit.id) ?? 0) + got);
  }

  private async checkTokens(limit: RateLimit, now: number): Promise<void> {
    let view = this.tokens.get(limit.id);
    if (!view || now - view.at > TOKEN_VIEW_MS) {
      view = { level: await this.store.tokenLevel(limit, now), at: now };
      this.tokens.set(limit.id, view);
    }
    if (view.level <= 0) {
      const tpm = limit.tpm!;
      const wait = (1 - view.level) / (tpm / MINUTE);
      throw this.refusal(limit, `${tpm} tokens per minute`, wait, tpm, view.level);
    }
  }

  private lease(applicable: readonly RateLimit[]): RateLease {
    for (const limit of applicable) {
      if (limit.rpm !== null) this.requests.set(limit.id, (this.requests.get(limit.id) ?? 1) - 1);
    }
    let released = false;
    return {
      release: (tokensUsed: number) => {
        if (released) return;
        released = true;
        for (const limit of applicable) {
          if (limit.tpm !== null && tokensUsed > 0) this.charge(limit, tokensUsed);
          if (limit.concurrent !== null) void this.store.leave(limit).catch(() => {});
        }
      },
    };
  }

  /** Charges tokens used; the local view drops at once, the shared level when written. */
  private charge(limit: RateLimit, tokensUsed: number): void {
    const view = this.tokens.get(limit.id);
    if (view) view.level -= tokensUsed;
    const now = this.now();
    this.store.chargeTokens(limit, tokensUsed, now).then(
      (level) => this.tokens.set(limit.id, { level, at: now }),
      () => {},
    );
  }

  private refusal(
    limit: RateLimit,
    what: string,
    waitMs: number,
    max: number,
    remaining: number,
  ): GatewayError {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new GatewayError(
      "rate_limit_error",
      `Rate limit for ${limit.scope} ${limit.value}: ${what}; retry in ${seconds} s`,
      {
        retryable: true,
        headers: {
          "retry-after": String(seconds),
          "anthropic-ratelimit-requests-limit": String(max),
          "anthropic-ratelimit-requests-remaining": String(Math.max(0, Math.floor(remaining))),
          "anthropic-ratelimit-requests-reset": new Date(this.now() + seconds * 1000)
            .toISOString(),
        },
      },
    );
  }
}
