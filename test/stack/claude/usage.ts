/** @module Billing a stand-in request: the prompt as cache segments with chained prefix keys, minimum cacheable sizes, the usage numbers. */
import type { PromptCache, Segment } from "./cache";
import { contentBlocks, systemBlocks } from "./conversation";
import { digest } from "../hash";
import { tokensOfJson } from "./tokens";
import type { MessagesRequest } from "./wire";

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** The writes by lifetime, as the real API breaks them down. */
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

const MINUTE = 60_000;

/** Bills one request: the prompt against the cache, the answer by its size. */
export function bill(request: MessagesRequest, cache: PromptCache, outputTokens: number): Usage {
  const outcome = cache.apply(promptSegments(request), minimumCacheable(request.model));
  return {
    input_tokens: outcome.uncached,
    output_tokens: outputTokens,
    cache_creation_input_tokens: outcome.written,
    cache_read_input_tokens: outcome.read,
    cache_creation: { ephemeral_5m_input_tokens: outcome.written - outcome.written1h, ephemeral_1h_input_tokens: outcome.written1h },
  };
}

/** Shorter prefixes are never cached; the newest Haiku and Opus need more than the rest. */
export function minimumCacheable(model: string): number {
  return /haiku-4-5|opus-4-[56]/.test(model) ? 4096 : 1024;
}

/**
 * The prompt in cache order, tools → system → messages. Each key chains the previous one, so it stands for
 * the model and the whole prefix. cache_control is metadata, not prompt: it is neither hashed nor counted,
 * so moving a breakpoint along a conversation does not change the prefix before it.
 */
export function promptSegments(request: MessagesRequest): Segment[] {
  const items: { block: object; role: string }[] = [
    ...(request.tools ?? []).map((block) => ({ block, role: "tool" })),
    ...systemBlocks(request).map((block) => ({ block, role: "system" })),
    ...request.messages.flatMap((message) => contentBlocks(message).map((block) => ({ block, role: message.role }))),
  ];
  let key = digest(request.model);
  return items.map(({ block, role }) => {
    const content = JSON.stringify(withoutCacheControl(block));
    key = digest(`${key}\u0000${role}\u0000${content}`);
    return { key, tokens: tokensOfJson(content), breakpoint: breakpointOf(block) !== null, ttlMs: ttlOf(block) };
  });
}

function withoutCacheControl(block: object): object {
  const { cache_control: _ignored, ...rest } = block as { cache_control?: unknown };
  return rest;
}

function breakpointOf(block: object): { ttl?: string } | null {
  return (block as { cache_control?: { ttl?: string } | null }).cache_control ?? null;
}

function ttlOf(block: object): number {
  return breakpointOf(block)?.ttl === "1h" ? 60 * MINUTE : 5 * MINUTE;
}
