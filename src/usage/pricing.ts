/**
 * List prices in USD per million tokens, and how a model id from any provider finds its row.
 * Figures match what Claude Code itself reports as `total_cost_usd` for the same usage.
 */

export interface Price {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/** A price that changes with the prompt size: above `aboveTokens` the `above` row applies. */
export interface TieredPrice {
  base: Price;
  aboveTokens: number;
  above: Price;
}

export type PriceEntry = Price | TieredPrice;

function price(
  input: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
  output: number,
): Price {
  return { input, output, cacheWrite5m, cacheWrite1h, cacheRead };
}

const FABLE_5_1 = price(10, 12.5, 20, 0.25, 50);
const FABLE_5 = price(10, 12.5, 20, 1, 50);
const OPUS_5_5 = price(4, 5, 8, 0.2, 20);
const OPUS_4_5_TO_5 = price(5, 6.25, 10, 0.5, 25);
const OPUS_4 = price(15, 18.75, 30, 1.5, 75);
const SONNET_5_5 = price(2, 2.5, 4, 0.1, 10);
const SONNET_5 = price(2, 2.5, 4, 0.2, 10);
const SONNET_4 = price(3, 3.75, 6, 0.3, 15);
const HAIKU_5_5: TieredPrice = {
  base: price(0.1, 0.125, 0.2, 0.01, 0.5),
  aboveTokens: 100_000,
  above: price(0.5, 0.625, 1, 0.05, 2.5),
};
const HAIKU_4_5 = price(1, 1.25, 2, 0.1, 5);
const HAIKU_3_5 = price(0.8, 1, 1.6, 0.08, 4);
const HAIKU_3 = price(0.25, 0.3, 0.5, 0.03, 1.25);

/** Keyed by canonical model name: see `canonicalModel`. */
export const BUILTIN_PRICES: Readonly<Record<string, PriceEntry>> = {
  "claude-fable-5-1": FABLE_5_1,
  "claude-mythos-5-1": FABLE_5_1,
  "claude-fable-5": FABLE_5,
  "claude-mythos-5": FABLE_5,
  "claude-opus-5-5": OPUS_5_5,
  "claude-opus-5": OPUS_4_5_TO_5,
  "claude-opus-4-8": OPUS_4_5_TO_5,
  "claude-opus-4-7": OPUS_4_5_TO_5,
  "claude-opus-4-6": OPUS_4_5_TO_5,
  "claude-opus-4-5": OPUS_4_5_TO_5,
  "claude-opus-4-1": OPUS_4,
  "claude-opus-4": OPUS_4,
  "claude-sonnet-5-5": SONNET_5_5,
  "claude-sonnet-5": SONNET_5,
  "claude-sonnet-4-6": SONNET_4,
  "claude-sonnet-4-5": SONNET_4,
  "claude-sonnet-4": SONNET_4,
  "claude-3-7-sonnet": SONNET_4,
  "claude-haiku-5-5": HAIKU_5_5,
  "claude-haiku-4-5": HAIKU_4_5,
  "claude-3-5-haiku": HAIKU_3_5,
  "claude-3-haiku": HAIKU_3,
};

/** What gw charges for a model it has no price for, so nothing is ever free. */
export const DEFAULT_FALLBACK_PRICE: Price = price(5, 6.25, 10, 0.5, 25);

/**
 * Reduces any provider's spelling of a model to one name: drops Bedrock region and
 * `anthropic.` prefixes, ARNs' paths, version suffixes (`-v1:0`, `@20250514`, `-20250514`),
 * and Claude Code's `[1m]` marker.
 *
 * @example
 * canonicalModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0"); // "claude-sonnet-4-5"
 * canonicalModel("claude-haiku-4-5@20251001"); // "claude-haiku-4-5"
 */
export function canonicalModel(model: string): string {
  let name = canonicalCache.get(model);
  if (name !== undefined) return name;
  name = reduceModel(model);
  // Model names come from clients: bound the memo so junk names cannot grow it forever.
  if (canonicalCache.size >= 1000) canonicalCache.clear();
  canonicalCache.set(model, name);
  return name;
}

const canonicalCache = new Map<string, string>();

function reduceModel(model: string): string {
  let name = model.toLowerCase().trim();
  name = name.slice(name.lastIndexOf("/") + 1);
  name = name.replace(/\[[^\]]*\]$/, "");
  name = name.replace(/^(global|us|eu|apac|jp|au|us-gov)\./, "");
  name = name.replace(/^anthropic\./, "");
  name = name.replace(/-v\d+(:\d+)?$/, "");
  name = name.replace(/@\d{8}$/, "");
  name = name.replace(/-\d{8}$/, "");
  name = name.replace(/-latest$/, "");
  return name;
}

/** Picks the price row that applies to a request with this many prompt tokens. */
export function priceFor(entry: PriceEntry, promptTokens: number): Price {
  if ("base" in entry) return promptTokens > entry.aboveTokens ? entry.above : entry.base;
  return entry;
}
