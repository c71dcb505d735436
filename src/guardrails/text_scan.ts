/** Finds detector matches in one string and redacts them deterministically. */
import { createHash } from "node:crypto";
import type { Detector } from "./detectors.ts";

export interface Match {
  rule: string;
  start: number;
  end: number;
}

/**
 * Matches of the given detectors, earliest first, overlaps resolved in favour of the earlier
 * (then longer) match.
 *
 * @example
 * findMatches("key AKIAABCDEFGHIJKLMNOP", detectors); // [{ rule: "aws_access_key", start: 4, end: 24 }]
 */
export function findMatches(text: string, detectors: readonly Detector[]): Match[] {
  const matches: Match[] = [];
  for (const detector of detectors) {
    if (detector.hints && !detector.hints.some((hint) => text.includes(hint))) continue;
    detector.pattern.lastIndex = 0;
    for (const match of text.matchAll(detector.pattern)) {
      const group = detector.group ?? 0;
      const value = match[group];
      if (value === undefined) continue;
      if (detector.validate && !detector.validate(value)) continue;
      const start = match.index! + (group === 0 ? 0 : match[0].indexOf(value));
      matches.push({ rule: detector.id, start, end: start + value.length });
    }
  }
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Match[] = [];
  for (const match of matches) {
    if (kept.length === 0 || match.start >= kept[kept.length - 1].end) kept.push(match);
  }
  return kept;
}

/** `[REDACTED:rule:7f3a]`: the same value always gives the same placeholder. */
export function placeholder(rule: string, value: string): string {
  return `[REDACTED:${rule}:${createHash("sha256").update(value).digest("hex").slice(0, 4)}]`;
}

export function redact(text: string, matches: readonly Match[]): string {
  let out = "";
  let last = 0;
  for (const match of matches) {
    out += text.slice(last, match.start) +
      placeholder(match.rule, text.slice(match.start, match.end));
    last = match.end;
  }
  return out + text.slice(last);
}
