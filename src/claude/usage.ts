/**
 * @module
 * Token usage as the runner accounts it: the four kinds the Messages API reports, added up per run.
 */
import type { Usage as ApiUsage } from "@anthropic-ai/sdk/resources/messages";

export interface Usage {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export const ZERO_USAGE: Usage = { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };

export function fromApi(usage: ApiUsage): Usage {
  return {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
    cacheRead: usage.cache_read_input_tokens ?? 0,
  };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return { input: a.input + b.input, output: a.output + b.output, cacheWrite: a.cacheWrite + b.cacheWrite, cacheRead: a.cacheRead + b.cacheRead };
}

export function subtractUsage(a: Usage, b: Usage): Usage {
  return { input: a.input - b.input, output: a.output - b.output, cacheWrite: a.cacheWrite - b.cacheWrite, cacheRead: a.cacheRead - b.cacheRead };
}

export const totalTokens = (usage: Usage) => usage.input + usage.output + usage.cacheWrite + usage.cacheRead;

