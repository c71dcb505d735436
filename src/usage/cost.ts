/** Turns usage into dollars with a price table that config may extend or override. */
import {
  BUILTIN_PRICES,
  canonicalModel,
  DEFAULT_FALLBACK_PRICE,
  type Price,
  type PriceEntry,
  priceFor,
} from "./pricing.ts";
import { totalInputTokens, type Usage } from "./usage.ts";

export interface Cost {
  usd: number;
  /** True when the model had no known price and the fallback rate was used, or when clamped. */
  estimated: boolean;
  /** Set when the computed cost was out of range and gw clamped it. */
  clamped?: boolean;
}

const PER_MILLION = 1_000_000;
/**
 * No single request costs this much: a cost beyond it (or negative, or NaN) comes from a
 * configured price gone wrong, and is clamped so the log row stays storable.
 */
export const MAX_COST_USD = 1_000_000;

/**
 * Prices usage for one model. The cost is always finite and non-negative.
 *
 * @example
 * const pricing = new PriceTable();
 * pricing.cost("claude-opus-5-5", { inputTokens: 1_000_000, ...rest }).usd; // 4
 */
export class PriceTable {
  private readonly entries: Map<string, PriceEntry>;
  private readonly fallback: Price;

  constructor(overrides: Record<string, PriceEntry> = {}, fallback = DEFAULT_FALLBACK_PRICE) {
    this.entries = new Map(Object.entries(BUILTIN_PRICES));
    for (const [model, entry] of Object.entries(overrides)) {
      this.entries.set(canonicalModel(model), entry);
    }
    this.fallback = fallback;
  }

  /** The price entry for a model, or undefined when gw would fall back. */
  lookup(model: string): PriceEntry | undefined {
    return this.entries.get(canonicalModel(model));
  }

  /** The price row that applies, and whether it is the fallback. */
  rate(model: string, promptTokens: number): { price: Price; estimated: boolean } {
    const entry = this.lookup(model);
    return entry
      ? { price: priceFor(entry, promptTokens), estimated: false }
      : { price: this.fallback, estimated: true };
  }

  cost(model: string, usage: Usage): Cost {
    const { price, estimated } = this.rate(model, totalInputTokens(usage));
    const usd = (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheWrite5mTokens * price.cacheWrite5m +
      usage.cacheWrite1hTokens * price.cacheWrite1h +
      usage.cacheReadTokens * price.cacheRead) / PER_MILLION;
    if (usd >= 0 && usd <= MAX_COST_USD) return { usd, estimated };
    return { usd: usd > MAX_COST_USD ? MAX_COST_USD : 0, estimated: true, clamped: true };
  }
}
