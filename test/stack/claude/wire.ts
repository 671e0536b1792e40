/** @module The zod schema of a POST /v1/messages body as the stand-in reads it: strict at the top level, loose for blocks and tools. */
import { z } from "zod";

/**
 * The request body of POST /v1/messages as far as the stand-in understands it. The top level is strict
 * like the real API (unknown fields are refused); blocks and tools stay loose, since the real API grows new
 * optional fields there faster than a stand-in can follow.
 */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const cacheControl = z.strictObject({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() });
const cached = { cache_control: cacheControl.nullish() };

const textBlock = z.looseObject({ type: z.literal("text"), text: z.string(), ...cached });
const imageBlock = z.looseObject({ type: z.literal("image"), source: z.looseObject({}), ...cached });
const documentBlock = z.looseObject({ type: z.literal("document"), source: z.looseObject({}), ...cached });

const toolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().regex(/^[a-zA-Z0-9_-]+$/, { error: "String should match pattern '^[a-zA-Z0-9_-]+$'" }),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  ...cached,
});

const toolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [textBlock, imageBlock, documentBlock]))]).optional(),
  is_error: z.boolean().optional(),
  ...cached,
});

const thinkingBlock = z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() });
const redactedThinkingBlock = z.looseObject({ type: z.literal("redacted_thinking"), data: z.string() });

const contentBlock = z.discriminatedUnion("type", [
  textBlock,
  imageBlock,
  documentBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

const message = z.strictObject({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(contentBlock)]),
});

const tool = z.looseObject({
  type: z.literal("custom").optional(),
  name: z.string().regex(TOOL_NAME, { error: `String should match pattern '${TOOL_NAME.source}'` }),
  description: z.string().optional(),
  input_schema: z.looseObject({
    type: z.literal("object"),
    properties: z.record(z.string(), z.looseObject({})).nullish(),
    required: z.array(z.string()).nullish(),
  }),
  ...cached,
});

const toolChoice = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal("tool"), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal("none") }),
]);

export const messagesRequest = z.strictObject({
  model: z.string(),
  max_tokens: z.number().int().min(1),
  messages: z.array(message).min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
  metadata: z.strictObject({ user_id: z.string().nullish() }).optional(),
  service_tier: z.enum(["auto", "standard_only"]).optional(),
  thinking: z.looseObject({ type: z.enum(["enabled", "disabled"]) }).optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequest>;
export type Message = MessagesRequest["messages"][number];
export type ContentBlock = z.infer<typeof contentBlock>;
export type TextBlock = z.infer<typeof textBlock>;
export type ToolUseBlock = z.infer<typeof toolUseBlock>;
export type ToolResultBlock = z.infer<typeof toolResultBlock>;
export type Tool = z.infer<typeof tool>;
export type ToolChoice = z.infer<typeof toolChoice>;
