/** Token usage as Anthropic reports it, flattened to the kinds that are priced differently. */

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** Set when the upstream reported a count out of range and gw clamped it. */
  clamped?: boolean;
}

export const ZERO_USAGE: Usage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 0,
});

/**
 * More tokens of one kind than any single request can use (context windows hold ~1 M): a
 * count above it is upstream nonsense such as `1e308`, which would price to Infinity and make
 * the log row unwritable.
 */
export const MAX_TOKENS_PER_REQUEST = 100_000_000;

/**
 * Merges an Anthropic `usage` object into `previous`. Stream counts are cumulative, so each
 * field present replaces the earlier value and absent fields keep it. Cache writes without a
 * 5m/1h split count as 5m, Anthropic's default TTL. Non-numbers are ignored; negative,
 * non-finite or absurd numbers are clamped to 0–`MAX_TOKENS_PER_REQUEST` and mark the usage
 * `clamped`.
 *
 * @example
 * mergeUsage(ZERO_USAGE, { input_tokens: 10, output_tokens: 1 }).inputTokens; // 10
 */
export function mergeUsage(previous: Usage, raw: unknown): Usage {
  if (typeof raw !== "object" || raw === null) return previous;
  const usage = raw as Record<string, unknown>;
  let clamped = false;
  // Runs a few times per response: two comparisons for a sane count.
  const count = (value: unknown): number | undefined => {
    if (typeof value !== "number") return undefined;
    if (value >= 0 && value <= MAX_TOKENS_PER_REQUEST) return value;
    clamped = true;
    return value > MAX_TOKENS_PER_REQUEST ? MAX_TOKENS_PER_REQUEST : 0;
  };
  const next = { ...previous };
  next.inputTokens = count(usage.input_tokens) ?? next.inputTokens;
  next.outputTokens = count(usage.output_tokens) ?? next.outputTokens;
  next.cacheReadTokens = count(usage.cache_read_input_tokens) ?? next.cacheReadTokens;
  const split = usage.cache_creation as Record<string, unknown> | null | undefined;
  const fiveMinutes = count(split?.ephemeral_5m_input_tokens);
  const oneHour = count(split?.ephemeral_1h_input_tokens);
  const total = count(usage.cache_creation_input_tokens);
  if (fiveMinutes !== undefined || oneHour !== undefined) {
    next.cacheWrite5mTokens = fiveMinutes ?? 0;
    next.cacheWrite1hTokens = oneHour ?? 0;
  } else if (total !== undefined) {
    next.cacheWrite5mTokens = total;
    next.cacheWrite1hTokens = 0;
  }
  if (clamped) next.clamped = true;
  return next;
}

/** Every input token, cached or not: what "prompt size" means for pricing bands and budgets. */
export function totalInputTokens(usage: Usage): number {
  return usage.inputTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens +
    usage.cacheReadTokens;
}
