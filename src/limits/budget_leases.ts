/**
 * This process's leases on hard budget counters. A request is admitted on its worst-case cost
 * only when the process's lease on every hard counter it draws on covers what the process
 * already holds for requests in flight and for spend not yet committed, plus this request. A
 * lease is claimed in the database in one atomic step that keeps `spent + every live lease ≤
 * limit` across processes and instances, with headroom so that requests far from any limit
 * never wait for the database; the renewal keeps it alive and gives back what is not needed.
 */
import type { Database } from "../db/client.ts";
import {
  claimLease,
  deleteExpiredLeases,
  type LeaseCounter,
  renewLeaseStatements,
} from "../db/repos/budget_leases_repo.ts";
import type { Amount, SpendIncrement } from "./spend_ledger.ts";

/** A lease outlives its last renewal by this long; a process that died frees it then. */
export const LEASE_TTL_MS = 15_000;
/** A counter untouched this long keeps no headroom: idle processes hold nothing back. */
const IDLE_AFTER_MS = 5_000;

export interface LeaseTarget extends LeaseCounter {
  key: string;
  measure: "usd" | "tokens";
  limit: number;
}

interface Lease {
  target: LeaseTarget;
  granted: Amount;
  lastUsed: number;
  /** How much to hold beyond what is in use, set by the last claim. */
  headroom: Amount;
  /** When the database last pushed its expiry out (a claim or a renewal). */
  renewedAt: number;
}

const ZERO: Amount = { usd: 0, tokens: 0 };

function amountOf(measure: "usd" | "tokens", amount: Amount): number {
  return measure === "usd" ? amount.usd : amount.tokens;
}

export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  private readonly claims = new Map<string, Promise<boolean>>();
  private renewals = 0;

  constructor(
    private readonly db: Database,
    readonly holder: string,
    private readonly now: () => number,
  ) {}

  /** Whether the lease on `target` covers `need` (in use plus the new request). */
  covers(target: LeaseTarget, need: Amount): boolean {
    const lease = this.leases.get(target.key);
    if (!lease) return false;
    // A lease not renewed in time may have expired in the database: do not lean on it.
    if (this.now() - lease.renewedAt > LEASE_TTL_MS - 2_000) return false;
    lease.lastUsed = this.now();
    return amountOf(target.measure, need) <= amountOf(target.measure, lease.granted) + 1e-12;
  }

  /**
   * Asks the database for a lease of `want` in total; concurrent asks for one counter share
   * one round trip. True when granted.
   */
  claim(
    target: LeaseTarget,
    want: Amount,
    headroom: Amount,
    alone?: { spentHere: Amount },
  ): Promise<boolean> {
    const pending = this.claims.get(target.key);
    if (pending) return pending;
    const now = this.now();
    const claim = claimLease(this.db, {
      ...target,
      holder: this.holder,
      usd: want.usd,
      tokens: want.tokens,
      expiresAt: now + LEASE_TTL_MS,
      now,
      alone: alone !== undefined,
      spentHere: alone && amountOf(target.measure, alone.spentHere),
    }).then((granted) => {
      if (granted) {
        this.leases.set(target.key, {
          target,
          granted: want,
          lastUsed: now,
          headroom,
          renewedAt: now,
        });
      }
      return granted;
    }).finally(() => this.claims.delete(target.key));
    this.claims.set(target.key, claim);
    return claim;
  }

  /** Committed spend has left the leases it was drawn from (the log writer did it in SQL). */
  consume(increments: readonly SpendIncrement[]): void {
    for (const increment of increments) {
      const key = `${increment.budgetId}|${increment.periodStart}|${increment.member}`;
      const lease = this.leases.get(key);
      if (!lease) continue;
      lease.granted = {
        usd: Math.max(0, lease.granted.usd - increment.usd),
        tokens: Math.max(0, lease.granted.tokens - increment.tokens),
      };
    }
  }

  /**
   * Keeps every lease alive and trims each to what is in use plus its headroom (none once
   * idle); drops leases of past periods. `inUse` says what the process holds on a counter.
   */
  async renew(inUse: (key: string) => Amount): Promise<void> {
    const now = this.now();
    const kept: (LeaseCounter & Amount)[] = [];
    for (const [key, lease] of this.leases) {
      const used = inUse(key);
      const idle = now - lease.lastUsed > IDLE_AFTER_MS;
      const room = idle ? ZERO : lease.headroom;
      lease.granted = {
        usd: Math.min(lease.granted.usd, used.usd + room.usd),
        tokens: Math.min(lease.granted.tokens, used.tokens + room.tokens),
      };
      if (idle && lease.granted.usd <= 0 && lease.granted.tokens <= 0) this.leases.delete(key);
      kept.push({ ...lease.target, ...lease.granted });
    }
    const statements = renewLeaseStatements(this.holder, kept, now + LEASE_TTL_MS);
    if (statements.length > 0) await this.db.client.batch(statements, "write");
    for (const lease of this.leases.values()) lease.renewedAt = now;
    // Now and then, not every half second: dead processes' leases are already ignored.
    if (++this.renewals % 20 === 0) await deleteExpiredLeases(this.db, now - LEASE_TTL_MS);
  }

  /** Forgets every lease (tests, and a process that lost its database for too long). */
  clear(): void {
    this.leases.clear();
  }
}
