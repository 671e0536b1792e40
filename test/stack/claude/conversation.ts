/** @module Reading a Messages API request in the stand-in: system and content as blocks, first and last user text, tool uses and results. */
import type { ContentBlock, Message, MessagesRequest, TextBlock, ToolResultBlock, ToolUseBlock } from "./wire";

/** A string content is shorthand for one text block; everything downstream sees blocks only. */
export function contentBlocks(message: Message): ContentBlock[] {
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

export function systemBlocks(request: Pick<MessagesRequest, "system">): TextBlock[] {
  const { system } = request;
  if (system === undefined) return [];
  return typeof system === "string" ? [{ type: "text", text: system }] : system;
}

export function textOf(blocks: readonly ContentBlock[]): string {
  return blocks
    .filter((block): block is TextBlock => block.type === "text")
    .map((block) => block.text)
    .join("\n");
}

export function systemText(request: Pick<MessagesRequest, "system">): string {
  return textOf(systemBlocks(request));
}

export function firstUserText(request: MessagesRequest): string {
  const first = request.messages[0];
  return first ? textOf(contentBlocks(first)) : "";
}

export function lastUserText(request: MessagesRequest): string {
  const last = request.messages.findLast((message) => message.role === "user");
  return last ? textOf(contentBlocks(last)) : "";
}

export function toolUses(message: Message): ToolUseBlock[] {
  return contentBlocks(message).filter((block): block is ToolUseBlock => block.type === "tool_use");
}

export function toolResults(message: Message): ToolResultBlock[] {
  return contentBlocks(message).filter((block): block is ToolResultBlock => block.type === "tool_result");
}

export function allToolUses(request: MessagesRequest): ToolUseBlock[] {
  return request.messages.filter((message) => message.role === "assistant").flatMap(toolUses);
}

export function allToolResults(request: MessagesRequest): ToolResultBlock[] {
  return request.messages.filter((message) => message.role === "user").flatMap(toolResults);
}

export function resultText(result: ToolResultBlock): string {
  const { content } = result;
  if (content === undefined) return "";
  return typeof content === "string" ? content : textOf(content);
}
