/** @module The Messages API rules beyond body shape, enforced in the real wording: roles, content, tool pairing, cache breakpoints and their lifetimes' order. */
import { contentBlocks, toolResults, toolUses } from "./conversation";
import { ApiError, invalidRequest } from "./errors";
import type { ContentBlock, Message, MessagesRequest } from "./wire";

const MAX_BREAKPOINTS = 4;

/**
 * The rules the real API enforces beyond the body's shape (docs/contracts.md §3). Each throws the real wording, so a
 * runner that passes here passes there.
 */
export function validateRequest(request: MessagesRequest): void {
  checkModel(request.model);
  if (request.stream) throw invalidRequest("stream: the stand-in answers non-streaming requests only");
  checkToolNamesUnique(request);
  checkRoles(request.messages);
  request.messages.forEach(checkContent);
  checkToolsDefined(request);
  checkToolPairing(request.messages);
  checkBreakpointCount(request);
  checkBreakpointOrder(request);
}

function checkModel(model: string): void {
  if (!model.startsWith("claude-")) throw new ApiError("not_found_error", `model: ${model}`);
}

function checkToolNamesUnique(request: MessagesRequest): void {
  const names = (request.tools ?? []).map((tool) => tool.name);
  if (new Set(names).size !== names.length) throw invalidRequest("tools: Tool names must be unique.");
}

function checkRoles(messages: readonly Message[]): void {
  if (messages[0]?.role !== "user") throw invalidRequest('messages: first message must use the "user" role');
  messages.forEach((message, index) => {
    if (index > 0 && messages[index - 1]?.role === message.role) {
      throw invalidRequest(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${message.role}" roles in a row`,
      );
    }
  });
}

function checkContent(message: Message, index: number, messages: readonly Message[]): void {
  const blocks = contentBlocks(message);
  const finalAssistant = index === messages.length - 1 && message.role === "assistant";
  if (blocks.length === 0 && !finalAssistant) {
    throw invalidRequest(
      `messages.${index}: all messages must have non-empty content except for the optional final assistant message`,
    );
  }
  if (blocks.some((block) => block.type === "text" && block.text.trim() === "" && !finalAssistant)) {
    throw invalidRequest("messages: text content blocks must contain non-whitespace text");
  }
}

/** A history with tool calls but no tool definitions is refused; a tool-less follow-up turn must flatten it. */
function checkToolsDefined(request: MessagesRequest): void {
  if ((request.tools ?? []).length > 0) return;
  const usesTools = request.messages.some((message) =>
    contentBlocks(message).some((block) => block.type === "tool_use" || block.type === "tool_result"),
  );
  if (usesTools) throw invalidRequest("Requests which include `tool_use` or `tool_result` blocks must define tools.");
}

function checkToolPairing(messages: readonly Message[]): void {
  const seen = new Set<string>();
  messages.forEach((message, index) => {
    if (message.role === "user") checkResultsExpected(message, messages[index - 1], index);
    else checkUsesAnswered(message, messages[index + 1], index, seen);
  });
}

function checkResultsExpected(message: Message, previous: Message | undefined, index: number): void {
  const expected = new Set(previous ? toolUses(previous).map((use) => use.id) : []);
  contentBlocks(message).forEach((block, position) => {
    if (block.type !== "tool_result" || expected.has(block.tool_use_id)) return;
    throw invalidRequest(
      `messages.${index}.content.${position}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ` +
        `${block.tool_use_id}. ` +
        "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
    );
  });
}

/** Only the leading run of tool_result blocks answers: results after a text block do not count. */
function checkUsesAnswered(message: Message, next: Message | undefined, index: number, seen: Set<string>): void {
  const ids = toolUses(message).map((use) => use.id);
  for (const id of ids) {
    if (seen.has(id)) throw invalidRequest(`messages.${index}: \`tool_use\` ids must be unique`);
    seen.add(id);
  }
  const answered = new Set(next ? leadingResults(next) : []);
  const missing = ids.filter((id) => !answered.has(id));
  if (missing.length === 0) return;
  throw invalidRequest(
    `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
      `${missing.join(", ")}. ` +
      "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
  );
}

function leadingResults(message: Message): string[] {
  const blocks = contentBlocks(message);
  const firstOther = blocks.findIndex((block) => block.type !== "tool_result");
  const leading = firstOther === -1 ? blocks : blocks.slice(0, firstOther);
  return toolResults({ role: "user", content: leading }).map((result) => result.tool_use_id);
}

function checkBreakpointCount(request: MessagesRequest): void {
  const found = markedBlocks(request).length;
  if (found > MAX_BREAKPOINTS) {
    throw invalidRequest(`A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${found}.`);
  }
}

/** With mixed lifetimes the longer must come first, in the order the prompt is cached: tools, system, messages. */
function checkBreakpointOrder(request: MessagesRequest): void {
  let shortSeen = false;
  for (const { path, ttl } of markedBlocks(request)) {
    if (ttl === "1h" && shortSeen) {
      throw invalidRequest(
        `${path}.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. ` +
          "Note that blocks are processed in the following order: `tools`, `system`, `messages`.",
      );
    }
    shortSeen ||= ttl === "5m";
  }
}

/** Every block carrying cache_control, in cache order, with its path in the body and its lifetime (5m unless 1h). */
function markedBlocks(request: MessagesRequest): { path: string; ttl: "5m" | "1h" }[] {
  const blocks: [string, unknown][] = [
    ...(request.tools ?? []).map((tool, index): [string, unknown] => [`tools.${index}`, tool]),
    ...(Array.isArray(request.system) ? request.system : []).map((block, index): [string, unknown] => [`system.${index}`, block]),
    ...request.messages.flatMap((message, index) =>
      typeof message.content === "string" ? [] : message.content.flatMap((block, position) => withNested(block, `messages.${index}.content.${position}`)),
    ),
  ];
  return blocks.flatMap(([path, block]) => {
    const control = cacheControlOf(block);
    return control ? [{ path, ttl: control.ttl === "1h" ? ("1h" as const) : ("5m" as const) }] : [];
  });
}

/** Blocks inside a tool_result may carry cache_control too, and count towards the limit. */
function withNested(block: ContentBlock, path: string): [string, unknown][] {
  const nested = block.type === "tool_result" && Array.isArray(block.content) ? block.content : [];
  return [[path, block], ...nested.map((inner, index): [string, unknown] => [`${path}.content.${index}`, inner])];
}

function cacheControlOf(block: unknown): { ttl?: string } | undefined {
  if (typeof block !== "object" || block === null || !("cache_control" in block)) return undefined;
  return (block.cache_control ?? undefined) as { ttl?: string } | undefined;
}
