/**
 * @module
 * List prices per model, with cache writes and reads at their own rates, and the dollar cost of a usage.
 */
import type { Usage } from "./usage";

/** US dollars per million tokens; a cache write costs 1.25× input with the 5-minute lifetime, 2× with the 1-hour one. */
export interface Price {
  input: number;
  output: number;
  cacheWrite: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/** Anthropic's list prices (platform.claude.com, "Pricing") by model family, most specific first. */
const PRICES: [RegExp, Price][] = [
  [/opus-4-(0|1)(\b|-)|opus-4$|opus-4-2025/, { input: 15, output: 75, cacheWrite: 18.75, cacheWrite1h: 30, cacheRead: 1.5 }],
  [/opus/, { input: 5, output: 25, cacheWrite: 6.25, cacheWrite1h: 10, cacheRead: 0.5 }],
  [/sonnet/, { input: 3, output: 15, cacheWrite: 3.75, cacheWrite1h: 6, cacheRead: 0.3 }],
  [/haiku-4/, { input: 1, output: 5, cacheWrite: 1.25, cacheWrite1h: 2, cacheRead: 0.1 }],
  [/haiku-3-5/, { input: 0.8, output: 4, cacheWrite: 1, cacheWrite1h: 1.6, cacheRead: 0.08 }],
];

/** A money guard must overstate, never understate: an unknown model is priced like the dearest listed one. */
const DEAREST = PRICES[0]?.[1] as Price;

export function priceFor(model: string): { price: Price; known: boolean } {
  const found = PRICES.find(([pattern]) => pattern.test(model))?.[1];
  return found ? { price: found, known: true } : { price: DEAREST, known: false };
}

export function costUsd(usage: Usage, price: Price): number {
  return (
    (usage.input * price.input +
      usage.cacheWrite * price.cacheWrite +
      usage.cacheWrite1h * price.cacheWrite1h +
      usage.cacheRead * price.cacheRead +
      usage.output * price.output) /
    1_000_000
  );
}
