/** @module What the Claude stand-in reads from a request before answering: persona, turn kind, tools, calls so far, ids seen, rating modules. */
import { describeTools, moduleOf, type OfferedTool } from "./catalog";
import { allToolResults, allToolUses, lastUserText, resultText } from "./conversation";
import type { TurnKind } from "./faults";
import { digest } from "../hash";
import { readPersona, type Persona } from "./persona";
import type { MessagesRequest, ToolUseBlock } from "./wire";

/** Everything the stand-in reads from a request before deciding what the persona does next. */
export interface Turn {
  request: MessagesRequest;
  persona: Persona;
  kind: TurnKind;
  tools: OfferedTool[];
  /** Tool calls already made in this conversation. */
  calls: ToolUseBlock[];
  /** Assistant messages so far: the index of the answer being produced. */
  step: number;
  /** Record ids seen in successful tool results, per module, oldest first. */
  ids: Map<string, string[]>;
  /** Modules named on the last user message's `Module: a, b` line (rating turns). */
  ratingModules: string[];
  /** Identifies the conversation so far, so generated ids differ between diverging conversations. */
  fingerprint: string;
  now: Date;
}

export function readTurn(request: MessagesRequest, now: Date): Turn {
  const toolsUsable = (request.tools ?? []).length > 0 && request.tool_choice?.type !== "none";
  const ratingModules = toolsUsable ? [] : modulesLine(lastUserText(request));
  const calls = allToolUses(request);
  return {
    request,
    persona: readPersona(request),
    kind: toolsUsable ? "tools" : ratingModules.length > 0 ? "rating" : "text",
    tools: describeTools(request.tools ?? []),
    calls,
    step: request.messages.filter((message) => message.role === "assistant").length,
    ids: idsByModule(request, calls),
    ratingModules,
    fingerprint: digest(JSON.stringify([request.system ?? null, request.messages])),
    now,
  };
}

function modulesLine(text: string): string[] {
  const line = /^[\s*-]*Module:\s*(.+)$/m.exec(text)?.[1] ?? "";
  return line.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
}

function idsByModule(request: MessagesRequest, calls: readonly ToolUseBlock[]): Map<string, string[]> {
  const toolById = new Map(calls.map((call) => [call.id, call.name]));
  const ids = new Map<string, string[]>();
  for (const result of allToolResults(request)) {
    const tool = toolById.get(result.tool_use_id);
    if (result.is_error || tool === undefined) continue;
    const module = moduleOf(tool);
    ids.set(module, [...(ids.get(module) ?? []), ...idsIn(resultText(result))]);
  }
  return ids;
}

/** Values of every `id` key in a JSON tool result; non-JSON results carry none. */
function idsIn(text: string): string[] {
  try {
    return collectIds(JSON.parse(text));
  } catch {
    return [];
  }
}

function collectIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(collectIds);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "id" && typeof inner === "string" ? [inner] : collectIds(inner),
  );
}
