/**
 * Where rate-limit state lives. `gw serve` keeps it in the database (rate_buckets_repo.ts), so
 * a team's 10 requests a minute are 10 across every worker and instance; tests may keep it in
 * memory. Both are token buckets that refill continuously up to their capacity.
 */
import type { RateLimit } from "./rate_limit.ts";

export interface RateStore {
  /** Takes `want` requests from the limit's request bucket if it holds that many; whether it did. */
  takeRequests(limit: RateLimit, want: number, now: number): Promise<boolean>;
  /** Charges tokens used to the limit's token bucket; its level after. */
  chargeTokens(limit: RateLimit, tokens: number, now: number): Promise<number>;
  /** The token bucket's level now. */
  tokenLevel(limit: RateLimit, now: number): Promise<number>;
  /** Counts a request as running if fewer than `limit.concurrent` run everywhere; whether it did. */
  enter(limit: RateLimit, now: number): Promise<boolean>;
  leave(limit: RateLimit): Promise<void>;
  /** Keeps this process's running counts alive; a process that stops renewing frees them. */
  renew(now: number): Promise<void>;
}

const MINUTE = 60_000;

/** A bucket's level after refilling at `perMinute` since it was last touched. */
export function refilled(level: number, updatedAt: number, perMinute: number, now: number): number {
  return Math.min(perMinute, level + Math.max(0, now - updatedAt) * perMinute / MINUTE);
}

/**
 * The same buckets in this process's memory: for tests, where one process is the whole world.
 *
 * @example
 * const limiter = new RateLimiter(new MemoryRateStore(), () => now);
 */
export class MemoryRateStore implements RateStore {
  private readonly buckets = new Map<string, { level: number; updatedAt: number }>();
  private readonly running = new Map<string, number>();

  private bucket(key: string, perMinute: number, now: number) {
    const bucket = this.buckets.get(key) ?? { level: perMinute, updatedAt: now };
    bucket.level = refilled(bucket.level, bucket.updatedAt, perMinute, now);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  takeRequests(limit: RateLimit, want: number, now: number): Promise<boolean> {
    const bucket = this.bucket(`${limit.id}|rpm`, limit.rpm ?? 0, now);
    if (bucket.level < want) return Promise.resolve(false);
    bucket.level -= want;
    return Promise.resolve(true);
  }

  chargeTokens(limit: RateLimit, tokens: number, now: number): Promise<number> {
    const bucket = this.bucket(`${limit.id}|tpm`, limit.tpm ?? 0, now);
    bucket.level -= tokens;
    return Promise.resolve(bucket.level);
  }

  tokenLevel(limit: RateLimit, now: number): Promise<number> {
    return Promise.resolve(this.bucket(`${limit.id}|tpm`, limit.tpm ?? 0, now).level);
  }

  enter(limit: RateLimit): Promise<boolean> {
    const running = this.running.get(limit.id) ?? 0;
    if (running >= (limit.concurrent ?? Infinity)) return Promise.resolve(false);
    this.running.set(limit.id, running + 1);
    return Promise.resolve(true);
  }

  leave(limit: RateLimit): Promise<void> {
    this.running.set(limit.id, Math.max(0, (this.running.get(limit.id) ?? 1) - 1));
    return Promise.resolve();
  }

  renew(): Promise<void> {
    return Promise.resolve();
  }
}
