/**
 * Why a log write failed: because of what a row holds (retrying it can never succeed), or
 * because of the database (locked, unreachable, read-only, full, not migrated: retrying later
 * can). The log writer drops the first kind of row and keeps every row queued for the second.
 */

export type WriteFailure = "row" | "database" | "unknown";

/**
 * SQLite result codes (extended ones start with the primary name) that a statement's values
 * cause: constraint failures (NOT NULL on a NaN bound as NULL), type mismatches, values too
 * big, parameters out of range. libSQL servers report the same names.
 */
const ROW_CODES = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)(_|$)/;

/**
 * Errors with a string `code` come from the database or its client: a row code is the row's
 * fault, any other (`SQLITE_BUSY`, `SQLITE_IOERR_*`, `SQLITE_READONLY`, `SQLITE_ERROR` for a
 * missing table, `SERVER_ERROR`, …) the database's. Errors without one (binding a value the
 * driver cannot take, a fetch to a remote database failing) are `unknown`: the caller must
 * find out which it is.
 *
 * @example
 * writeFailure({ code: "SQLITE_CONSTRAINT_NOTNULL" }); // "row"
 * writeFailure({ code: "SQLITE_BUSY" }); // "database"
 * writeFailure(new TypeError("undefined cannot be passed to the database")); // "unknown"
 */
export function writeFailure(error: unknown): WriteFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return "unknown";
  return ROW_CODES.test(code) ? "row" : "database";
}

/** What a failure may be reported as: its code or class, never its message (rows are content). */
export function failureName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : typeof error;
}
