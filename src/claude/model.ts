/** @module The runner's Claude client: the Messages API behind a one-method port tests can replace, the SDK doing retries and timeouts. */
import Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import type { FetchFn } from "../net/http";

/** The one thing the runner needs from Claude; tests and benchmarks can stand in for it. */
export interface ModelPort {
  create(params: MessageCreateParamsNonStreaming): Promise<Message>;
}

export interface ModelOptions {
  apiKey: string;
  baseURL?: string;
  fetch: FetchFn;
  timeoutMs: number;
}

/** The SDK owns retries (connection errors, 408, 409, 429, 5xx, 529, honouring retry-after) and timeouts. */
export function createModel(options: ModelOptions): ModelPort {
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    fetch: options.fetch as typeof fetch,
    timeout: options.timeoutMs,
    maxRetries: 2,
    // The runner exports no traces; left on, the SDK builds each call's span attributes for a no-op tracer.
    openTelemetry: false,
  });
  return { create: (params) => client.messages.create(params) };
}
