/**
 * The batched, asynchronous writer behind the request log. Requests only enqueue; a timer
 * writes multi-row INSERTs and the rows' budget spend in one write transaction, so spend and
 * log never disagree. While the DB is down rows wait in a
 * bounded queue; past the bound they are counted as dropped and reported loudly. A row the
 * database refuses on its own is quarantined (dropped, counted, reported by id) so that it
 * cannot hold back every row behind it.
 */
import type { Database } from "../db/client.ts";
import { addSpendStatements } from "../db/repos/budgets_repo.ts";
import { consumeLeaseStatements } from "../db/repos/budget_leases_repo.ts";
import { insertRequestsStatements } from "../db/repos/requests_repo.ts";
import { addToRollupsStatements } from "../db/repos/rollups_repo.ts";
import type { SpendIncrement } from "../limits/spend_ledger.ts";
import type { RequestLog } from "./request_log.ts";
import { failureName, writeFailure } from "./write_failure.ts";

export interface LogWriterOptions {
  flushIntervalMs: number;
  batchRows: number;
  queueLimit: number;
  /** Where failures are reported; defaults to stderr. */
  report?: (message: string) => void;
  /** This process's budget-lease holder: committed spend leaves its leases in the same write. */
  leaseHolder?: string;
  /** Told which spend increments a flush committed. */
  onCommitted?: (spend: SpendIncrement[]) => void;
}

interface Entry {
  row: RequestLog;
  spend: readonly SpendIncrement[];
}

/** One increment per counter: a batch of 500 rows usually touches a handful of counters. */
function aggregate(entries: readonly Entry[]): SpendIncrement[] {
  const totals = new Map<string, SpendIncrement>();
  for (const { spend } of entries) {
    for (const increment of spend) {
      const key = `${increment.budgetId}|${increment.periodStart}|${increment.member}`;
      const total = totals.get(key);
      if (total) {
        total.usd += increment.usd;
        total.tokens += increment.tokens;
      } else totals.set(key, { ...increment });
    }
  }
  return [...totals.values()];
}

export interface LogWriterStats {
  queued: number;
  written: number;
  /** Rows turned away because the queue was full. */
  dropped: number;
  /** Rows the database refused on their own, dropped so the rows behind them get written. */
  quarantined: number;
  failedFlushes: number;
  /** When the current run of failed flushes began; undefined while flushes succeed. */
  failingSince?: number;
}

/** Quarantined rows reported one by one; past this, a count every 1000. */
const REPORTED_ROWS = 100;

export class LogWriter {
  private queue: Entry[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private flushing?: Promise<void>;
  readonly stats: LogWriterStats = {
    queued: 0,
    written: 0,
    dropped: 0,
    quarantined: 0,
    failedFlushes: 0,
    failingSince: undefined,
  };
  private readonly report: (message: string) => void;

  constructor(private readonly db: Database, private readonly options: LogWriterOptions) {
    this.report = options.report ?? ((message) => console.error(message));
  }

  /** Never blocks and never throws: the request path must not wait on the DB. */
  enqueue(row: RequestLog, spend: readonly SpendIncrement[] = []): void {
    if (this.queue.length >= this.options.queueLimit) {
      this.stats.dropped++;
      if (this.stats.dropped === 1 || this.stats.dropped % 1000 === 0) {
        this.report(
          `gw: request log queue full (${this.options.queueLimit} rows): ${this.stats.dropped} rows dropped so far`,
        );
      }
      return;
    }
    this.queue.push({ row, spend });
    this.stats.queued = this.queue.length;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs);
  }

  /** Writes everything queued so far; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => this.flushing = undefined);
    return this.flushing;
  }

  /** Stops the timer and writes what is left, retrying for up to `deadlineMs`. */
  async stop(deadlineMs = 10_000): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const until = Date.now() + deadlineMs;
    await this.flush();
    while (this.queue.length > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await this.flush();
    }
    if (this.queue.length > 0) {
      this.report(`gw: ${this.queue.length} request log rows could not be written before exit`);
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.options.batchRows);
      try {
        await this.write(batch);
      } catch (error) {
        if (writeFailure(error) === "database") return this.failed(error);
        if (await this.isolate(batch)) continue;
        return;
      }
      this.committed(batch.length);
    }
  }

  /** One write transaction: the rows, their rollups and their budget spend. */
  private async write(entries: readonly Entry[]): Promise<void> {
    const spend = aggregate(entries);
    const rows = entries.map((entry) => entry.row);
    await this.db.client.batch(
      [
        ...insertRequestsStatements(rows),
        ...addToRollupsStatements(rows),
        ...addSpendStatements(spend),
        ...(this.options.leaseHolder
          ? consumeLeaseStatements(this.options.leaseHolder, spend)
          : []),
      ],
      "write",
    );
    this.options.onCommitted?.(spend);
  }

  /**
   * Writes a failed batch row by row, quarantining each row the database refuses. Stops, rows
   * kept, as soon as a failure is the database's. Returns whether the whole batch was settled.
   */
  private async isolate(batch: readonly Entry[]): Promise<boolean> {
    for (const entry of batch) {
      try {
        await this.write([entry]);
      } catch (error) {
        const kind = writeFailure(error);
        if (kind === "database" || (kind === "unknown" && !await this.acceptsWrites())) {
          this.failed(error);
          return false;
        }
        this.quarantine(entry, error);
        continue;
      }
      this.committed(1);
    }
    return true;
  }

  /** An empty write transaction: whether a failure without a code was the row's or the DB's. */
  private async acceptsWrites(): Promise<boolean> {
    try {
      await this.db.client.batch([], "write");
      return true;
    } catch {
      return false;
    }
  }

  /** The rows at the head of the queue are in the database. */
  private committed(rows: number): void {
    if (this.stats.failingSince !== undefined) this.report("gw: request log writes recovered");
    this.stats.failingSince = undefined;
    this.queue.splice(0, rows);
    this.stats.written += rows;
    this.stats.queued = this.queue.length;
  }

  /** The database cannot take writes now: every row stays queued for the next flush. */
  private failed(error: unknown): void {
    this.stats.failedFlushes++;
    if (this.stats.failingSince === undefined) {
      this.report(
        `gw: writing the request log failed, keeping ${this.queue.length} rows queued: ${error}`,
      );
    }
    this.stats.failingSince ??= Date.now();
  }

  /** Drops the row at the head of the queue; reported by id and failure code, never content. */
  private quarantine(entry: Entry, error: unknown): void {
    this.queue.shift();
    this.stats.queued = this.queue.length;
    const count = ++this.stats.quarantined;
    if (count <= REPORTED_ROWS) {
      this.report(
        `gw: request log row ${entry.row.id} was refused by the database (${
          failureName(error)
        }) and dropped; ${count} rows quarantined so far`,
      );
    } else if (count % 1000 === 0) {
      this.report(`gw: ${count} request log rows quarantined so far`);
    }
  }
}
