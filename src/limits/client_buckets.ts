/**
 * A token bucket per client address, for routes anyone may call without a key (sign-in).
 * Memory is bounded: past `maxClients` addresses the least recently seen one is forgotten,
 * which at worst hands that address a full bucket again, never more than one burst.
 */

export interface BucketRate {
  /** Requests a quiet client may send at once. */
  burst: number;
  /** Requests per minute a client may sustain. */
  perMinute: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MINUTE_MS = 60_000;
const DEFAULT_MAX_CLIENTS = 10_000;

/**
 * @example
 * const buckets = new ClientBuckets({ burst: 10, perMinute: 10 });
 * const wait = buckets.take("203.0.113.7", Date.now());
 * if (wait > 0) return new Response(null, { status: 429, headers: { "retry-after": `${wait}` } });
 */
export class ClientBuckets {
  /** Insertion order is recency: a Map re-inserted on every use is an LRU. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rate: BucketRate,
    private readonly maxClients = DEFAULT_MAX_CLIENTS,
  ) {}

  /** Takes a token for `client`: 0 when it got one, else the whole seconds until one is free. */
  take(client: string, now: number): number {
    let bucket = this.buckets.get(client);
    if (bucket) {
      this.buckets.delete(client);
      const refill = (now - bucket.updatedAt) * this.rate.perMinute / MINUTE_MS;
      bucket.tokens = Math.min(this.rate.burst, bucket.tokens + Math.max(0, refill));
      bucket.updatedAt = now;
    } else {
      if (this.buckets.size >= this.maxClients) {
        this.buckets.delete(this.buckets.keys().next().value!);
      }
      bucket = { tokens: this.rate.burst, updatedAt: now };
    }
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) * MINUTE_MS / this.rate.perMinute / 1000));
  }

  /** Addresses remembered now; never above `maxClients`. */
  get size(): number {
    return this.buckets.size;
  }
}
