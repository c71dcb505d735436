/** Durations and points in time as admins type them: `30d`, `12h`, `2w`, or an ISO date. */

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * @example
 * parseDuration("30d"); // 2592000000
 */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (!match) {
    throw new Error(`Invalid duration ${text}: use a number and a unit, e.g. 30d, 12h, 2w`);
  }
  return Number(match[1]) * UNITS[match[2].toLowerCase()];
}

/** `30d` means 30 days before `now`; anything else must parse as a date. */
export function parseSince(text: string, now = Date.now()): number {
  if (/^\d+\s*[smhdw]$/i.test(text.trim())) return now - parseDuration(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`Invalid time ${text}: use e.g. 30d or 2026-11-01`);
  return ms;
}
