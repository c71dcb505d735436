/**
 * How Claude Code 2.1.328 words a reset time in `/usage` (UTC): "Jan 1, 12am", with the year
 * when the reset falls in another year than now ("Jan 1, 2027, 12am"). Tests build the text
 * they expect from the dates, so they pass on every day of the year.
 */

/** The first instant of the month after `now`, in UTC: when a month budget resets. */
export function nextMonthStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/**
 * @example
 * resetText(new Date("2027-01-01T00:00:00Z"), new Date("2026-12-02T18:00:00Z")); // "Jan 1, 2027, 12am"
 */
export function resetText(resetsAt: Date, now: Date): string {
  const options: Intl.DateTimeFormatOptions = {
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: resetsAt.getUTCMinutes() === 0 ? undefined : "2-digit",
    hour12: true,
    timeZone: "UTC",
  };
  if (resetsAt.getUTCFullYear() !== now.getUTCFullYear()) options.year = "numeric";
  return resetsAt.toLocaleString("en-US", options).replace(
    /[ \u202f]([AP]M)/i,
    (_, m) => m.toLowerCase(),
  );
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
