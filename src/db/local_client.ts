/**
 * The embedded database: one libSQL connection with its prepared statements kept for reuse.
 *
 * `@libsql/client` prepares every statement anew. Each native statement, with a copy of its
 * bound values, lives until a full garbage collection finalizes its tiny JavaScript wrapper,
 * which a quiet heap rarely needs: measured, ~4 KB per statement and the whole JSON batch per
 * log flush, so a gateway polling its database grew by hundreds of MB a day. Statements reused
 * here are allocated once; a new run releases the previous run's bound values.
 */
import type { InStatement, InValue, ResultSet, TransactionMode } from "@libsql/client";
import Libsql from "libsql";

type NativeStatement = ReturnType<Libsql.Database["prepare"]>;

/** `reader` is a native call on every read, so it is asked once per statement. */
interface Prepared {
  statement: NativeStatement;
  reader: boolean;
}
type SqlValue = null | string | number | bigint | Uint8Array;

/** The part of `@libsql/client`'s `Client` that gw uses; both clients provide it. */
export interface SqlClient {
  execute(statement: InStatement): Promise<ResultSet>;
  batch(statements: InStatement[], mode?: TransactionMode): Promise<ResultSet[]>;
  close(): void;
}

/** Statements kept at most: gw issues a few dozen distinct ones, migrations a few more. */
const STATEMENT_CACHE_SIZE = 256;

const BEGIN: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN DEFERRED",
  deferred: "BEGIN DEFERRED",
};

function toSql(value: InValue): SqlValue {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.valueOf();
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value === undefined) throw new TypeError("undefined cannot be passed to the database");
  return value;
}

function bindings(statement: InStatement): SqlValue[] | Record<string, SqlValue> {
  if (typeof statement === "string" || !statement.args) return [];
  if (Array.isArray(statement.args)) return statement.args.map(toSql);
  const named: Record<string, SqlValue> = {};
  for (const [name, value] of Object.entries(statement.args)) {
    named[/^[@$:]/.test(name) ? name.slice(1) : name] = toSql(value);
  }
  return named;
}

function resultSet(
  columns: string[],
  rows: Record<string, unknown>[],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  return {
    columns,
    columnTypes: columns.map(() => ""),
    rows: rows as unknown as ResultSet["rows"],
    rowsAffected,
    lastInsertRowid,
    toJSON: () => ({ columns, rows, rowsAffected }),
  };
}

export class LocalClient implements SqlClient {
  private readonly db: Libsql.Database;
  private readonly statements = new Map<string, Prepared>();
  /** The most recently used statement: a batch runs the same one row after row. */
  private lastSql?: string;

  /** @param path a file path, or `:memory:` */
  constructor(path: string) {
    this.db = new Libsql(path);
  }

  execute(statement: InStatement): Promise<ResultSet> {
    try {
      return Promise.resolve(this.run(statement));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs the statements in one transaction, rolled back if any fails. */
  batch(statements: InStatement[], mode: TransactionMode = "deferred"): Promise<ResultSet[]> {
    try {
      this.run(BEGIN[mode]);
      const results: ResultSet[] = [];
      try {
        for (const statement of statements) results.push(this.run(statement));
        this.run("COMMIT");
      } catch (error) {
        if (this.db.inTransaction) this.run("ROLLBACK");
        throw error;
      }
      return Promise.resolve(results);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  private run(statement: InStatement): ResultSet {
    const sql = typeof statement === "string" ? statement : statement.sql;
    const { statement: prepared, reader } = this.prepared(sql);
    const args = bindings(statement);
    if (reader) {
      const columns = prepared.columns().map((column) => column.name);
      return resultSet(columns, prepared.all(args) as Record<string, unknown>[], 0, undefined);
    }
    const info = prepared.run(args);
    return resultSet([], [], info.changes, BigInt(info.lastInsertRowid));
  }

  private prepared(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (prepared && sql === this.lastSql) return prepared;
    this.lastSql = sql;
    if (prepared) {
      // Refresh its place: the map's order is the eviction order.
      this.statements.delete(sql);
    } else {
      const statement = this.db.prepare(sql);
      prepared = { statement, reader: statement.reader };
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        this.statements.delete(this.statements.keys().next().value!);
      }
    }
    this.statements.set(sql, prepared);
    return prepared;
  }
}
