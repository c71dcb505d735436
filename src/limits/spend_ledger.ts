/**
 * What this instance knows about budget spend: the last snapshot read from the database, plus
 * spend settled here but not yet written or not yet visible in a snapshot, plus reservations
 * of requests still in flight. Keeping the layers apart means nothing is counted twice or
 * missed while writes and snapshot reads race.
 */

export interface Amount {
  usd: number;
  tokens: number;
}

export interface SpendIncrement extends Amount {
  budgetId: string;
  periodStart: number;
  member: string;
}

const ZERO: Amount = Object.freeze({ usd: 0, tokens: 0 });

export function counterKey(budgetId: string, periodStart: number, member: string): string {
  return `${budgetId}|${periodStart}|${member}`;
}

function add(map: Map<string, Amount>, key: string, amount: Amount, sign = 1): void {
  const current = map.get(key) ?? ZERO;
  const next = {
    usd: current.usd + sign * amount.usd,
    tokens: current.tokens + sign * amount.tokens,
  };
  if (Math.abs(next.usd) < 1e-12 && next.tokens === 0) map.delete(key);
  else map.set(key, next);
}

function sum(...amounts: (Amount | undefined)[]): Amount {
  let usd = 0;
  let tokens = 0;
  for (const amount of amounts) {
    usd += amount?.usd ?? 0;
    tokens += amount?.tokens ?? 0;
  }
  return { usd, tokens };
}

export class SpendLedger {
  private snapshot = new Map<string, Amount>();
  /** Settled here, not yet committed to the database. */
  private readonly unflushed = new Map<string, Amount>();
  /** Committed, but perhaps after the snapshot in hand was read. */
  private committed = new Map<string, Amount>();
  /** Committed before the snapshot read now under way began. */
  private refreshing = new Map<string, Amount>();
  private readonly reserved = new Map<string, Amount>();
  private readonly inFlight = new Map<string, number>();

  /** Every counter key this instance knows of, from the snapshot or local spend. */
  keys(): string[] {
    return [
      ...new Set([
        ...this.snapshot.keys(),
        ...this.unflushed.keys(),
        ...this.committed.keys(),
        ...this.refreshing.keys(),
      ]),
    ];
  }

  spent(key: string): Amount {
    return sum(
      this.snapshot.get(key),
      this.unflushed.get(key),
      this.committed.get(key),
      this.refreshing.get(key),
    );
  }

  reservedFor(key: string): Amount {
    return this.reserved.get(key) ?? ZERO;
  }

  /** What this process holds against a counter: reservations in flight and unwritten spend. */
  heldFor(key: string): Amount {
    return sum(this.reserved.get(key), this.unflushed.get(key));
  }

  inFlightFor(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  reserve(key: string, amount: Amount): void {
    add(this.reserved, key, amount);
    this.inFlight.set(key, this.inFlightFor(key) + 1);
  }

  /** Ends a reservation and books the real spend as not yet written. */
  settle(key: string, reservation: Amount, actual: Amount): void {
    add(this.reserved, key, reservation, -1);
    const left = this.inFlightFor(key) - 1;
    if (left > 0) this.inFlight.set(key, left);
    else this.inFlight.delete(key);
    add(this.unflushed, key, actual);
  }

  /** The log writer committed these increments. */
  markCommitted(increments: readonly SpendIncrement[]): void {
    for (const increment of increments) {
      const key = counterKey(increment.budgetId, increment.periodStart, increment.member);
      add(this.unflushed, key, increment, -1);
      add(this.committed, key, increment);
    }
  }

  /** Call right before reading a snapshot; everything committed so far will be in it. */
  beginSnapshot(): void {
    for (const [key, amount] of this.committed) add(this.refreshing, key, amount);
    this.committed = new Map();
  }

  completeSnapshot(rows: Iterable<[string, Amount]>): void {
    this.snapshot = new Map(rows);
    this.refreshing = new Map();
  }

  failSnapshot(): void {
    for (const [key, amount] of this.refreshing) add(this.committed, key, amount);
    this.refreshing = new Map();
  }
}
