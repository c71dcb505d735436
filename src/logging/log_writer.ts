/**
 * The batched, asynchronous writer behind the request log. Requests only enqueue; a timer
 * writes multi-row INSERTs and the rows' budget spend in one write transaction, so spend and
 * log never disagree. While the DB is down rows wait in a
 * bounded queue; past the bound they are counted as dropped and reported loudly.
 */
import type { Database } from "../db/client.ts";
import { addSpendStatements } from "../db/repos/budgets_repo.ts";
import { insertRequestsStatements } from "../db/repos/requests_repo.ts";
import { addToRollupsStatements } from "../db/repos/rollups_repo.ts";
import type { SpendIncrement } from "../limits/spend_ledger.ts";
import type { RequestLog } from "./request_log.ts";

export interface LogWriterOptions {
  flushIntervalMs: number;
  batchRows: number;
  queueLimit: number;
  /** Where failures are reported; defaults to stderr. */
  report?: (message: string) => void;
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
  dropped: number;
  failedFlushes: number;
}

export class LogWriter {
  private queue: Entry[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private flushing?: Promise<void>;
  private failing = false;
  readonly stats: LogWriterStats = { queued: 0, written: 0, dropped: 0, failedFlushes: 0 };
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
        const spend = aggregate(batch);
        const rows = batch.map((entry) => entry.row);
        await this.db.client.batch(
          [
            ...insertRequestsStatements(rows),
            ...addToRollupsStatements(rows),
            ...addSpendStatements(spend),
          ],
          "write",
        );
        this.options.onCommitted?.(spend);
      } catch (error) {
        this.stats.failedFlushes++;
        if (!this.failing) {
          this.report(
            `gw: writing the request log failed, keeping ${this.queue.length} rows queued: ${error}`,
          );
        }
        this.failing = true;
        return;
      }
      if (this.failing) this.report("gw: request log writes recovered");
      this.failing = false;
      this.queue.splice(0, batch.length);
      this.stats.written += batch.length;
      this.stats.queued = this.queue.length;
    }
  }
}
