/**
 * @module
 * The rating turn as the continuation of the persona's own conversation: the same system prompt and tools (so
 * it reads the cached prefix), `tool_choice: none`, and the ratings request as the last user message.
 */
import type { ContentBlockParam, MessageCreateParamsNonStreaming, MessageParam, TextBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { asBlocks, type Conversation, unanswered } from "./conversation";
import { mainRequest, type TurnSetup } from "./loop";
import { ratingPrompt } from "./prompts";

export const RATING_MAX_TOKENS = 1024;

export function ratingRequest(setup: TurnSetup, conversation: Conversation, modules: string[]): MessageCreateParamsNonStreaming {
  const messages = withRatingRequest(closedHistory(conversation), { type: "text", text: ratingPrompt(modules) });
  return mainRequest({ ...setup, maxTokens: RATING_MAX_TOKENS }, { system: conversation.system, tools: conversation.tools, messages }, { type: "none" });
}

/**
 * The conversation as a valid history: every tool_use answered by the results gathered for it (a call that never
 * got one is left out) and no empty assistant message, which the API refuses anywhere but at the end.
 */
function closedHistory(conversation: Conversation): MessageParam[] {
  const messages = conversation.messages.map((message) => ({ ...message }));
  const last = messages.at(-1);
  if (last?.role === "assistant") {
    const open = new Set(unanswered(conversation).map((use) => use.id));
    last.content = asBlocks(last.content).filter((block) => !(block.type === "tool_use" && open.has(block.id)));
    if (conversation.pendingResults.length > 0) messages.push({ role: "user", content: conversation.pendingResults });
    else if (last.content.length === 0) messages.pop();
  }
  return messages;
}

function withRatingRequest(messages: MessageParam[], request: TextBlockParam): MessageParam[] {
  const last = messages.at(-1);
  if (last?.role !== "user") return [...messages, { role: "user", content: [request] }];
  const blocks: ContentBlockParam[] = [...asBlocks(last.content), request];
  return [...messages.slice(0, -1), { role: "user", content: blocks }];
}
