/**
 * Requests refused for want of a usable gw key, counted by reason instead of logged: totals
 * since start for `/metrics`, and the last hour minute by minute for the admin API. Memory is
 * fixed (a ring of one slot per minute), however many refusals arrive.
 */
import { AUTH_REFUSAL_REASONS, type AuthRefusalReason } from "../auth/auth_refusal.ts";

const MINUTE_MS = 60_000;
/** Minutes the ring keeps: enough to see a flood start and stop. */
const MINUTES = 60;

export type RefusalCounts = Record<AuthRefusalReason, number>;

export interface RefusalMinute {
  /** Start of the minute, epoch milliseconds. */
  minute: number;
  counts: RefusalCounts;
}

function zero(): RefusalCounts {
  return Object.fromEntries(AUTH_REFUSAL_REASONS.map((reason) => [reason, 0])) as RefusalCounts;
}

/**
 * @example
 * const refusals = new AuthRefusals();
 * refusals.add("unknown");
 * refusals.totals().unknown; // 1
 */
export class AuthRefusals {
  private readonly total = zero();
  private readonly ring: (RefusalMinute | undefined)[] = new Array(MINUTES);

  constructor(private readonly now: () => number = Date.now) {}

  add(reason: AuthRefusalReason): void {
    this.total[reason]++;
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    const index = (minute / MINUTE_MS) % MINUTES;
    let slot = this.ring[index];
    // A slot still holding a minute from an hour or more ago is reused for this one.
    if (slot?.minute !== minute) slot = this.ring[index] = { minute, counts: zero() };
    slot.counts[reason]++;
  }

  /** Refusals per reason since this instance started. */
  totals(): Readonly<RefusalCounts> {
    return this.total;
  }

  /** The minutes of the last hour that saw refusals, oldest first. */
  lastHour(): RefusalMinute[] {
    const oldest = this.now() - MINUTES * MINUTE_MS;
    return this.ring
      .filter((slot): slot is RefusalMinute => slot !== undefined && slot.minute > oldest)
      .sort((a, b) => a.minute - b.minute)
      .map((slot) => ({ minute: slot.minute, counts: { ...slot.counts } }));
  }
}
