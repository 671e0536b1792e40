import type { StopReason } from "./answer-types";
import type { Usage } from "./usage";

export interface LogEntry {
  status: number;
  model: string | null;
  stop_reason: StopReason | null;
  usage: Usage | null;
  /** tool_use blocks in the answer. */
  toolCount: number;
  /** First 60 characters of the system prompt: enough to tell the personas apart. */
  system: string;
  /** Names of the tools the request offered. */
  tools: string[];
  /** The error message, for answers that were not 200. */
  error?: string;
}

export interface StatsSnapshot {
  requests: number;
  byStatus: Record<string, number>;
  usage: Usage;
  log: LogEntry[];
}

const LOG_LIMIT = 1000;

/** What the stand-in served since the last reset, for tests and benchmarks to assert on. */
export class Stats {
  #requests = 0;
  #byStatus: Record<string, number> = {};
  #usage = emptyUsage();
  #log: LogEntry[] = [];

  record(entry: LogEntry): void {
    this.#requests++;
    this.#byStatus[entry.status] = (this.#byStatus[entry.status] ?? 0) + 1;
    if (entry.usage) for (const key of USAGE_KEYS) this.#usage[key] += entry.usage[key];
    this.#log.push(entry);
    if (this.#log.length > LOG_LIMIT) this.#log.shift();
  }

  snapshot(): StatsSnapshot {
    return { requests: this.#requests, byStatus: { ...this.#byStatus }, usage: { ...this.#usage }, log: [...this.#log] };
  }
}

const USAGE_KEYS = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const;

function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}
