/**
 * @module
 * List prices per model, with cache writes and reads at their own rates, and the dollar cost of a usage.
 */
import type { Usage } from "./usage";

/** US dollars per million tokens; `cacheWrite` is the 5-minute write the runner's breakpoints use. */
export interface Price {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

const tier = (input: number, output: number): Price => ({ input, output, cacheWrite: input * 1.25, cacheRead: input * 0.1 });

/** Anthropic's list prices (platform.claude.com, pricing) by model family, most specific first. */
const PRICES: [RegExp, Price][] = [
  [/opus-4-(0|1)(\b|-)|opus-4$|opus-4-2025/, tier(15, 75)],
  [/opus/, tier(5, 25)],
  [/sonnet/, tier(3, 15)],
  [/haiku-4/, tier(1, 5)],
  [/haiku-3-5/, tier(0.8, 4)],
];

/** A money guard must overstate, never understate: an unknown model is priced like the dearest listed one. */
const DEAREST = tier(15, 75);

export function priceFor(model: string): { price: Price; known: boolean } {
  const found = PRICES.find(([pattern]) => pattern.test(model))?.[1];
  return found ? { price: found, known: true } : { price: DEAREST, known: false };
}

export function costUsd(usage: Usage, price: Price): number {
  return (
    (usage.input * price.input + usage.cacheWrite * price.cacheWrite + usage.cacheRead * price.cacheRead + usage.output * price.output) /
    1_000_000
  );
}
