/** @module What the Claude stand-in reads from a request before answering: persona, turn kind, tools, calls so far, entities seen, rating modules. */
import { describeTools, type OfferedTool } from "./catalog";
import { allToolUses, lastUserText } from "./conversation";
import type { TurnKind } from "./faults";
import { digest } from "../hash";
import { readPersona, type Persona } from "./persona";
import { type SeenEntity, seenEntities } from "./seen";
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
  /** App entities seen in successful tool results, in the order first seen. */
  seen: SeenEntity[];
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
    seen: seenEntities(request, calls),
    ratingModules,
    fingerprint: digest(JSON.stringify([request.system ?? null, request.messages])),
    now,
  };
}

function modulesLine(text: string): string[] {
  const line = /^[\s*-]*Module:\s*(.+)$/m.exec(text)?.[1] ?? "";
  return line.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
}
