/** Printing for the CLI: aligned tables for people, JSON and CSV for scripts. */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

export type Cell = string | number | null | undefined;

export function printTable(headers: string[], rows: Cell[][]): void {
  const text = rows.map((row) =>
    row.map((cell) => cell === null || cell === undefined ? "-" : String(cell))
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...text.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  console.log(line(headers));
  for (const row of text) console.log(line(row));
}

export function toCsv(headers: string[], rows: Cell[][]): string {
  const escape = (cell: Cell) => {
    const value = cell === null || cell === undefined ? "" : String(cell);
    return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  };
  return [headers, ...rows].map((row) => row.map(escape).join(",")).join("\n");
}

export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function usd(value: number): string {
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/** `a,b , c` → `["a","b","c"]`. */
export function splitList(text: string | undefined): string[] {
  return text ? text.split(",").map((part) => part.trim()).filter(Boolean) : [];
}

/** `--tag k=v` values collected into an object. */
export function parseTags(values: string[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new UsageError(`Invalid tag ${value}: use NAME=VALUE`);
    tags[value.slice(0, eq).trim()] = value.slice(eq + 1).trim();
  }
  return tags;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
