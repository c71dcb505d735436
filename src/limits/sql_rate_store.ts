/**
 * Rate-limit state in the database, shared by every worker and instance on it: what
 * `gw serve` uses, so a team's `--rpm 10` means 10 wherever the requests land.
 */
import type { Database } from "../db/client.ts";
import {
  chargeBucket,
  enterRunning,
  leaveRunning,
  readBucket,
  renewRunning,
  takeFromBucket,
} from "../db/repos/rate_buckets_repo.ts";
import type { RateLimit } from "./rate_limit.ts";
import { type RateStore, refilled } from "./rate_store.ts";

/** A running count outlives its last renewal by this long; a dead process frees it then. */
const RUNNING_TTL_MS = 15_000;

/**
 * @example
 * const limiter = new RateLimiter(new SqlRateStore(db, holder));
 */
export class SqlRateStore implements RateStore {
  constructor(private readonly db: Database, private readonly holder: string) {}

  takeRequests(limit: RateLimit, want: number, now: number): Promise<boolean> {
    return takeFromBucket(this.db, limit.id, "rpm", limit.rpm ?? 0, now, want);
  }

  async chargeTokens(limit: RateLimit, tokens: number, now: number): Promise<number> {
    return (await chargeBucket(this.db, limit.id, "tpm", limit.tpm ?? 0, now, tokens)).level;
  }

  async tokenLevel(limit: RateLimit, now: number): Promise<number> {
    const bucket = await readBucket(this.db, limit.id, "tpm");
    const perMinute = limit.tpm ?? 0;
    return bucket ? refilled(bucket.level, bucket.updatedAt, perMinute, now) : perMinute;
  }

  enter(limit: RateLimit, now: number): Promise<boolean> {
    const max = limit.concurrent ?? 0;
    return enterRunning(this.db, limit.id, this.holder, now, max, now + RUNNING_TTL_MS);
  }

  leave(limit: RateLimit): Promise<void> {
    return leaveRunning(this.db, limit.id, this.holder);
  }

  renew(now: number): Promise<void> {
    return renewRunning(this.db, this.holder, now + RUNNING_TTL_MS);
  }
}
