/**
 * What `/readyz` means: this instance can serve and record. `SELECT 1` is not enough: an
 * embedded database that was deleted or renamed over still answers, and every row written
 * after that lands in a file nobody else will read; a read-only database answers reads while
 * sign-ins fail and the request log is lost. So readiness checks that the file gw opened is
 * still the one at its path, that a write commits, and that the request log is keeping up.
 */
import type { Database } from "../db/client.ts";
import { type FileChange, fileChange } from "../db/file_identity.ts";
import { probeWrite } from "../db/repos/health_repo.ts";

/** Long enough to ride out a lock held by a CLI migration or a backup, short enough to page. */
const LOG_FAILURE_GRACE_MS = 5000;

export interface ReadinessOptions {
  /** When the request log's writes began failing; undefined while they succeed. */
  logFailingSince: () => number | undefined;
  /** How long log writes may fail before the instance stops being ready. */
  logFailureGraceMs?: number;
  /** Where changes of the database file are reported; defaults to stderr. */
  report?: (message: string) => void;
  now?: () => number;
}

type FileState = FileChange | "present" | "unchecked";

const FILE_MESSAGES: Record<FileState, string> = {
  removed: "was removed while gw runs: its rows now go to a deleted file no other process " +
    "reads. Put the file back or restart gw",
  replaced: "was replaced while gw runs: its rows still go to the file it opened, which " +
    "other processes (the CLI, other instances) no longer see. Restart gw",
  unchecked: "cannot be checked",
  present: "is back where gw opened it",
};

/** What `/readyz` says; the path stays out of it, since anyone may ask. */
const FILE_REASONS: Record<Exclude<FileState, "present">, string> = {
  removed: "database file was removed",
  replaced: "database file was replaced",
  unchecked: "database file cannot be checked",
};

/**
 * @example
 * const readiness = new Readiness(db, { logFailingSince: () => writer.stats.failingSince });
 * readiness.watch(1000);
 * const reasons = await readiness.reasons(); // [] when ready
 */
export class Readiness {
  private fileState: FileState = "present";
  private timer?: ReturnType<typeof setInterval>;
  private readonly report: (message: string) => void;
  private readonly now: () => number;

  constructor(private readonly db: Database, private readonly options: ReadinessOptions) {
    this.report = options.report ?? ((message) => console.error(message));
    this.now = options.now ?? Date.now;
  }

  /** Why this instance cannot serve and record now; empty when it can. */
  async reasons(): Promise<string[]> {
    const reasons: string[] = [];
    const file = await this.checkFile();
    if (file) reasons.push(file);
    const write = await this.checkWrite();
    if (write) reasons.push(write);
    const since = this.options.logFailingSince();
    const grace = this.options.logFailureGraceMs ?? LOG_FAILURE_GRACE_MS;
    if (since !== undefined && this.now() - since > grace) {
      const seconds = Math.round((this.now() - since) / 1000);
      reasons.push(`request log writes have been failing for ${seconds} s`);
    }
    return reasons;
  }

  /** Checks the database file every `intervalMs` so a swap is reported without a probe. */
  watch(intervalMs: number): void {
    if (!this.db.file) return;
    this.timer ??= setInterval(() => void this.checkFile(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The file's problem, if any; reports each change of state once. */
  async checkFile(): Promise<string | undefined> {
    const file = this.db.file;
    if (!file) return undefined;
    let state: FileState;
    try {
      state = await fileChange(file.path, file.identity) ?? "present";
    } catch {
      state = "unchecked";
    }
    if (state !== this.fileState) {
      this.fileState = state;
      this.report(`gw: the database file ${file.path} ${FILE_MESSAGES[state]}`);
    }
    return state === "present" ? undefined : FILE_REASONS[state];
  }

  private async checkWrite(): Promise<string | undefined> {
    try {
      await probeWrite(this.db, this.now());
      return undefined;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const text = `${code ?? ""} ${(error as Error).message ?? ""}`;
      if (/readonly|read-only/i.test(text)) return "database is read-only";
      // Another writer holds the lock: the database takes writes, just not at this instant.
      if (/SQLITE_BUSY|SQLITE_LOCKED|database is locked/i.test(text)) return undefined;
      // The code only: a message may carry a server URL.
      return `database write failed${typeof code === "string" ? ` (${code})` : ""}`;
    }
  }
}
