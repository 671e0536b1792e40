/** @module What the Claude stand-in served since its reset: arrivals per system prompt, answers by status, summed usage, a bounded log. */
import type { StopReason } from "./answer-types";
import { systemText } from "./conversation";
import type { BodyJson } from "./parse";
import type { Usage } from "./usage";
import { messagesRequest } from "./wire";

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
  /** Requests that arrived, answered or not: a held request, or one its client gave up on, counts at once. */
  received: number;
  /** `received` per `system` key. */
  receivedBySystem: Record<string, number>;
  /** Requests answered, as logged. */
  requests: number;
  byStatus: Record<string, number>;
  usage: Usage;
  log: LogEntry[];
}

const LOG_LIMIT = 1000;
const SYSTEM_KEY_LENGTH = 60;

/** What the stand-in served since the last reset, for tests and benchmarks to assert on. */
export class Stats {
  #received = 0;
  #receivedBySystem: Record<string, number> = {};
  #requests = 0;
  #byStatus: Record<string, number> = {};
  #usage = emptyUsage();
  #log: LogEntry[] = [];

  arrived(system: string): void {
    this.#received++;
    this.#receivedBySystem[system] = (this.#receivedBySystem[system] ?? 0) + 1;
  }

  record(entry: LogEntry): void {
    this.#requests++;
    this.#byStatus[entry.status] = (this.#byStatus[entry.status] ?? 0) + 1;
    if (entry.usage) addUsage(this.#usage, entry.usage);
    this.#log.push(entry);
    if (this.#log.length > LOG_LIMIT) this.#log.shift();
  }

  snapshot(): StatsSnapshot {
    return {
      received: this.#received,
      receivedBySystem: { ...this.#receivedBySystem },
      requests: this.#requests,
      byStatus: { ...this.#byStatus },
      usage: { ...this.#usage, cache_creation: { ...this.#usage.cache_creation } },
      log: [...this.#log],
    };
  }
}

/**
 * The `system` key of a body read on arrival, before it is validated, so a request that fails later is counted
 * and logged under the same key as its valid siblings; "" when the body has no readable system prompt.
 */
export function systemKey(body: BodyJson): string {
  const system = messagesRequest.shape.system.safeParse((body?.json as { system?: unknown } | null | undefined)?.system);
  return system.success ? systemText({ system: system.data }).slice(0, SYSTEM_KEY_LENGTH) : "";
}

const USAGE_KEYS = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const;
const CREATION_KEYS = ["ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"] as const;

function addUsage(sum: Usage, usage: Usage): void {
  for (const key of USAGE_KEYS) sum[key] += usage[key];
  for (const key of CREATION_KEYS) sum.cache_creation[key] += usage.cache_creation[key];
}

function emptyUsage(): Usage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  };
}
