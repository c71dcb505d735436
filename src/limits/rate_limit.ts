/**
 * Per-instance rate limits: token buckets for requests and tokens per minute, and a count of
 * concurrent requests, on keys, users and teams. With N instances behind a load balancer each
 * enforces the full limit, so set limits to (intended limit / N).
 */
import type { Chargee } from "./budget.ts";
import { GatewayError } from "../server/errors.ts";

export type RateLimitScope = "key" | "user" | "team";

export interface RateLimit {
  id: string;
  scope: RateLimitScope;
  value: string;
  rpm: number | null;
  tpm: number | null;
  concurrent: number | null;
}

interface Bucket {
  level: number;
  updatedAt: number;
}

const MINUTE = 60_000;

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

export class RateLimiter {
  private limits: readonly RateLimit[] = [];
  private readonly requestBuckets = new Map<string, Bucket>();
  private readonly tokenBuckets = new Map<string, Bucket>();
  private readonly running = new Map<string, number>();

  constructor(private readonly now = Date.now) {}

  setLimits(limits: readonly RateLimit[]): void {
    this.limits = limits;
  }

  /**
   * Admits a request or throws a 429 `rate_limit_error` with `retry-after`.
   *
   * @example
   * const lease = limiter.acquire(chargee);
   * try { … } finally { lease.release(tokensUsed); }
   */
  acquire(chargee: Chargee): RateLease {
    const applicable = this.limits.filter((limit) => subject(limit, chargee));
    if (applicable.length === 0) return { release() {} };
    const now = this.now();
    for (const limit of applicable) this.check(limit, now);
    for (const limit of applicable) {
      if (limit.rpm !== null) this.refill(this.requestBuckets, limit, limit.rpm, now).level -= 1;
      if (limit.concurrent !== null) {
        this.running.set(limit.id, (this.running.get(limit.id) ?? 0) + 1);
      }
    }
    let released = false;
    return {
      release: (tokensUsed: number) => {
        if (released) return;
        released = true;
        for (const limit of applicable) {
          if (limit.tpm !== null) {
            this.refill(this.tokenBuckets, limit, limit.tpm, this.now()).level -= tokensUsed;
          }
          if (limit.concurrent !== null) {
            this.running.set(limit.id, Math.max(0, (this.running.get(limit.id) ?? 1) - 1));
          }
        }
      },
    };
  }

  private check(limit: RateLimit, now: number): void {
    const who = `${limit.scope} ${limit.value}`;
    if (limit.rpm !== null) {
      const bucket = this.refill(this.requestBuckets, limit, limit.rpm, now);
      if (bucket.level < 1) {
        throw this.refusal(
          `Rate limit for ${who}: ${limit.rpm} requests per minute`,
          (1 - bucket.level) / (limit.rpm / MINUTE),
          limit.rpm,
          bucket.level,
        );
      }
    }
    if (limit.tpm !== null) {
      const bucket = this.refill(this.tokenBuckets, limit, limit.tpm, now);
      if (bucket.level <= 0) {
        throw this.refusal(
          `Rate limit for ${who}: ${limit.tpm} tokens per minute`,
          (1 - bucket.level) / (limit.tpm / MINUTE),
          limit.tpm,
          bucket.level,
        );
      }
    }
    if (limit.concurrent !== null && (this.running.get(limit.id) ?? 0) >= limit.concurrent) {
      throw this.refusal(
        `Rate limit for ${who}: ${limit.concurrent} concurrent requests`,
        1000,
        limit.concurrent,
        0,
      );
    }
  }

  private refill(
    buckets: Map<string, Bucket>,
    limit: RateLimit,
    perMinute: number,
    now: number,
  ): Bucket {
    let bucket = buckets.get(limit.id);
    if (!bucket) {
      bucket = { level: perMinute, updatedAt: now };
      buckets.set(limit.id, bucket);
    }
    bucket.level = Math.min(
      perMinute,
      bucket.level + (now - bucket.updatedAt) * perMinute / MINUTE,
    );
    bucket.updatedAt = now;
    return bucket;
  }

  private refusal(message: string, waitMs: number, limit: number, remaining: number): GatewayError {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new GatewayError("rate_limit_error", `${message}; retry in ${seconds} s`, {
      retryable: true,
      headers: {
        "retry-after": String(seconds),
        "anthropic-ratelimit-requests-limit": String(limit),
        "anthropic-ratelimit-requests-remaining": String(Math.max(0, Math.floor(remaining))),
        "anthropic-ratelimit-requests-reset": new Date(this.now() + seconds * 1000).toISOString(),
      },
    });
  }
}
