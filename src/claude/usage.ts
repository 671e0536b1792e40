import type { Usage as ApiUsage } from "@anthropic-ai/sdk/resources/messages";

export interface Usage {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export const ZERO_USAGE: Usage = { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };

export function addUsage(total: Usage, usage: ApiUsage): Usage {
  return {
    input: total.input + usage.input_tokens,
    output: total.output + usage.output_tokens,
    cacheWrite: total.cacheWrite + (usage.cache_creation_input_tokens ?? 0),
    cacheRead: total.cacheRead + (usage.cache_read_input_tokens ?? 0),
  };
}

export const totalTokens = (usage: Usage) => usage.input + usage.output + usage.cacheWrite + usage.cacheRead;

/** Input billed in plain-input-token equivalents: a cache write costs 1.25×, a read 0.1× (contracts §3). */
export const billedInputTokens = (usage: Usage) => usage.input + 1.25 * usage.cacheWrite + 0.1 * usage.cacheRead;

/** US dollars per million tokens. */
export interface Price {
  input: number;
  output: number;
}

const PRICES: [RegExp, Price][] = [
  [/haiku-4/, { input: 1, output: 5 }],
  [/haiku-3-5/, { input: 0.8, output: 4 }],
  [/sonnet/, { input: 3, output: 15 }],
  [/opus-4-(0|1)|opus-4$|opus-4-2025/, { input: 15, output: 75 }],
  [/opus/, { input: 5, output: 25 }],
];

export function priceFor(model: string, override?: Partial<Price>): Price {
  const known = PRICES.find(([pattern]) => pattern.test(model))?.[1] ?? { input: 3, output: 15 };
  return { ...known, ...override };
}

export function costUsd(usage: Usage, price: Price): number {
  return (billedInputTokens(usage) * price.input + usage.output * price.output) / 1_000_000;
}
