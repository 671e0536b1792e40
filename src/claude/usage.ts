/**
 * @module
 * Token usage as the runner accounts it: the kinds the Messages API reports, cache writes split by lifetime
 * (they are priced apart), added up per run.
 */
import type { Usage as ApiUsage } from "@anthropic-ai/sdk/resources/messages";

export interface Usage {
  input: number;
  output: number;
  /** Cache writes with the 5-minute lifetime. */
  cacheWrite: number;
  /** Cache writes with the 1-hour lifetime: the shared tool prefix (TOOL_CACHE_TTL=1h). */
  cacheWrite1h: number;
  cacheRead: number;
}

export const ZERO_USAGE: Usage = { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 };

/** Without the API's breakdown by lifetime every write counts as a 5-minute one, as before 1-hour writes existed. */
export function fromApi(usage: ApiUsage): Usage {
  const written = usage.cache_creation_input_tokens ?? 0;
  const longLived = Math.min(written, usage.cache_creation?.ephemeral_1h_input_tokens ?? 0);
  return { input: usage.input_tokens, output: usage.output_tokens, cacheWrite: written - longLived, cacheWrite1h: longLived, cacheRead: usage.cache_read_input_tokens ?? 0 };
}

/** A usage as stored: runs stored before 1-hour writes existed have no `cacheWrite1h`. */
export function storedUsage(usage: Omit<Usage, "cacheWrite1h"> & { cacheWrite1h?: number }): Usage {
  return { ...usage, cacheWrite1h: usage.cacheWrite1h ?? 0 };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
    cacheRead: a.cacheRead + b.cacheRead,
  };
}

export function subtractUsage(a: Usage, b: Usage): Usage {
  return {
    input: a.input - b.input,
    output: a.output - b.output,
    cacheWrite: a.cacheWrite - b.cacheWrite,
    cacheWrite1h: a.cacheWrite1h - b.cacheWrite1h,
    cacheRead: a.cacheRead - b.cacheRead,
  };
}

export const totalTokens = (usage: Usage) => usage.input + usage.output + usage.cacheWrite + usage.cacheWrite1h + usage.cacheRead;
