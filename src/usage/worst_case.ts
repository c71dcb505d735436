/**
 * The most a request can cost, which is what a hard budget reserves while it runs. The input
 * is bounded by the body's size (a token covers at least one byte of what the body carries),
 * priced at the dearest input rate (a cache write can bill all of it); the output by
 * `max_tokens`, which the upstream never exceeds (thinking included).
 */
import type { Amount } from "../limits/spend_ledger.ts";
import type { PriceTable } from "./cost.ts";

/**
 * @example
 * worstCaseCost(prices, "claude-opus-5-5", 60_000, 32_000, 4000); // { usd: 1.4, tokens: 92000 }
 */
export function worstCaseCost(
  prices: PriceTable,
  model: string,
  bodyBytes: number,
  maxTokens: unknown,
  outputWithoutMax: number,
): Amount {
  const input = bodyBytes;
  // Without a usable max_tokens the upstream refuses the request; reserve a modest default.
  const output = typeof maxTokens === "number" && Number.isFinite(maxTokens) && maxTokens >= 0
    ? Math.ceil(maxTokens)
    : outputWithoutMax;
  const { price } = prices.rate(model, input);
  const inputRate = Math.max(price.input, price.cacheWrite5m, price.cacheWrite1h);
  return { usd: (input * inputRate + output * price.output) / 1_000_000, tokens: input + output };
}
