/**
 * @module
 * The main turn's conversation as a fold over its recorded steps: each step is stored once, append-only, and
 * applied here, live as it happens and again on resume, so the stored steps are the whole truth of a run.
 */
import type { ContentBlockParam, MessageParam, StopReason, Tool, ToolResultBlockParam, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import { ACTION_BATCH_MAX } from "../mana/schemas";
import type { SurfaceEntry } from "../mcp/fingerprint";
import { addUsage, type Usage, ZERO_USAGE } from "./usage";

/** One tool call as the run records it; becomes an action row and a transcript entry. */
export interface ActionRecord {
  toolUseId: string;
  toolName: string;
  module?: string;
  input: unknown;
  inputHash: string;
  result: "ok" | "error";
  /** Why the runner answered without calling mana-mcp (limit, unknown tool, oversized input). */
  refused?: boolean;
  errorMessage?: string;
  output: string;
  latencyMs: number;
  at: string;
}

/** A tool mana-mcp listed that the run does not offer the model, with why. */
export interface LeftOutTool {
  name: string;
  reason: string;
}

export type TurnStep =
  /**
   * The brief and the tools offered; fixed for the whole run, so the cached prefix never changes. `surface` is
   * every tool mana-mcp listed with its schema's fingerprint, `schemas` those the persona's delivered evidence had not carried yet.
   */
  | {
      type: "start";
      system: string;
      prompt: string;
      tools: Tool[];
      names: [api: string, mcp: string][];
      leftOut: LeftOutTool[];
      surface?: SurfaceEntry[];
      schemas?: Record<string, unknown>;
    }
  /** A model answer as kept: cut-off tool calls dropped (`cut` says which), oversized inputs refused. */
  | { type: "response"; content: ContentBlockParam[]; stopReason: StopReason | null; usage: Usage; cut?: string; refused?: Record<string, string> }
  /** A tool call about to be sent to mana-mcp; if no result follows, it may have run and is never resent. */
  | { type: "inflight"; toolUseId: string; toolName: string; module?: string }
  | { type: "result"; action: ActionRecord; result: ToolResultBlockParam }
  | { type: "ended"; reason: string };

export interface Conversation {
  system: string;
  tools: Tool[];
  names: [api: string, mcp: string][];
  leftOut: LeftOutTool[];
  surface: SurfaceEntry[];
  schemas: Record<string, unknown>;
  messages: MessageParam[];
  turns: number;
  usage: Usage;
  actions: ActionRecord[];
  /** tool_results for the last assistant message, sent together once every tool_use of it is answered. */
  pendingResults: ToolResultBlockParam[];
  inflight?: { toolUseId: string; toolName: string; module?: string };
  /** tool_use ids the runner will answer without running, with the reason. */
  refused: Record<string, string>;
  lastStopReason?: StopReason | null;
  ended?: string;
}

export function emptyConversation(): Conversation {
  return { system: "", tools: [], names: [], leftOut: [], surface: [], schemas: {}, messages: [], turns: 0, usage: ZERO_USAGE, actions: [], pendingResults: [], refused: {} };
}

/** Applies one step in place: the same function live and on replay, so a resumed run is the run it was. */
export function applyTurnStep(state: Conversation, step: TurnStep): void {
  switch (step.type) {
    case "start":
      Object.assign(state, { system: step.system, tools: step.tools, names: step.names, leftOut: step.leftOut, surface: step.surface ?? [], schemas: step.schemas ?? {} });
      state.messages = [{ role: "user", content: step.prompt }];
      return;
    case "response":
      return applyResponse(state, step);
    case "inflight":
      state.inflight = { toolUseId: step.toolUseId, toolName: step.toolName, ...(step.module ? { module: step.module } : {}) };
      return;
    case "result":
      return applyResult(state, step);
    case "ended":
      state.ended = step.reason;
  }
}

function applyResponse(state: Conversation, step: Extract<TurnStep, { type: "response" }>): void {
  state.turns++;
  state.usage = addUsage(state.usage, step.usage);
  Object.assign(state.refused, step.refused ?? {});
  const previous = state.messages.at(-1);
  if (state.lastStopReason === "pause_turn" && previous?.role === "assistant") {
    // A paused turn continues the same assistant message rather than starting a new one.
    previous.content = [...asBlocks(previous.content), ...step.content];
  } else {
    state.messages.push({ role: "assistant", content: step.content });
  }
  state.lastStopReason = step.stopReason;
  const callsTools = step.content.some((block) => block.type === "tool_use");
  if (step.stopReason !== "pause_turn" && !callsTools) state.ended = `stop_reason ${step.stopReason ?? "unknown"}`;
}

function applyResult(state: Conversation, step: Extract<TurnStep, { type: "result" }>): void {
  // Calls refused at the limit are still answered, but recorded only while the run's batch stays postable:
  // one message with many tool_use blocks must not push it past what mana-auth accepts.
  if (!step.action.refused || state.actions.length < ACTION_BATCH_MAX) state.actions.push(step.action);
  state.pendingResults.push(step.result);
  state.inflight = undefined;
  if (unanswered(state).length > 0) return;
  state.messages.push({ role: "user", content: state.pendingResults });
  state.pendingResults = [];
}

/** tool_use blocks of the last assistant message that have no result yet. */
export function unanswered(state: Conversation): ToolUseBlock[] {
  const last = state.messages.at(-1);
  if (last?.role !== "assistant") return [];
  const answered = new Set(state.pendingResults.map((result) => result.tool_use_id));
  return asBlocks(last.content).filter((block): block is ToolUseBlock => block.type === "tool_use" && !answered.has(block.id));
}

export function asBlocks(content: MessageParam["content"]): ContentBlockParam[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}
