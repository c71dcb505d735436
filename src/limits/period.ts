/**
 * Budget periods on the calendar of a time zone (UTC by default): when the current period
 * started and when it resets. `total` never resets.
 */

export type Period = "day" | "week" | "month" | "total";

interface WallTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

function wallTime(ms: number, timeZone: string): WallTime {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      weekday: "short",
    }).formatToParts(ms).map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS[parts.weekday],
  };
}

/** Offset of the zone from UTC at an instant, in ms. */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    }).formatToParts(ms).map((part) => [part.type, part.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant of local midnight on a calendar date in the zone. */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - zoneOffset(guess, timeZone);
  return guess - zoneOffset(first, timeZone);
}

/**
 * @example
 * periodStart("month", Date.UTC(2026, 10, 29, 12), "UTC"); // Date.UTC(2026, 10, 1)
 */
export function periodStart(period: Period, now: number, timeZone = "UTC"): number {
  if (period === "total") return 0;
  const wall = wallTime(now, timeZone);
  if (period === "day") return localMidnight(wall.year, wall.month, wall.day, timeZone);
  if (period === "month") return localMidnight(wall.year, wall.month, 1, timeZone);
  const monday = new Date(Date.UTC(wall.year, wall.month - 1, wall.day - wall.weekday));
  return localMidnight(
    monday.getUTCFullYear(),
    monday.getUTCMonth() + 1,
    monday.getUTCDate(),
    timeZone,
  );
}

/** When the period that contains `now` ends; undefined for `total`. */
export function periodEnd(period: Period, now: number, timeZone = "UTC"): number | undefined {
  if (period === "total") return undefined;
  const start = wallTime(periodStart(period, now, timeZone) + 12 * 3_600_000, timeZone);
  const next = period === "day"
    ? new Date(Date.UTC(start.year, start.month - 1, start.day + 1))
    : period === "week"
    ? new Date(Date.UTC(start.year, start.month - 1, start.day + 7))
    : new Date(Date.UTC(start.year, start.month, 1));
  return localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
}

export function periodLabel(period: Period): string {
  return { day: "today", week: "this week", month: "this month", total: "in total" }[period];
}

/** The period as the usage-limit protocol names it: `daily`, `weekly`, `monthly`, `total`. */
export function periodAdjective(period: Period): string {
  return { day: "daily", week: "weekly", month: "monthly", total: "total" }[period];
}
