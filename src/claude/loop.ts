import type {
  ContentBlock,
  ContentBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
  StopReason,
  Tool,
  ToolResultBlockParam,
  ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages";
import type { ToolOutcome } from "../mcp/session";
import type { NameMap } from "../mcp/names";
import { ACTION_BATCH_MAX } from "../mana/schemas";
import type { ModelPort } from "./model";
import { addUsage, type Usage } from "./usage";

/** One tool call as the run records it; becomes an action row and a transcript entry. */
export interface ActionRecord {
  toolUseId: string;
  toolName: string;
  module?: string;
  input: unknown;
  inputHash: string;
  result: "ok" | "error";
  errorMessage?: string;
  output: string;
  latencyMs: number;
  at: string;
}

/** Everything the main turn needs to resume after a crash; checkpointed after every step. */
export interface LoopState {
  messages: MessageParam[];
  turns: number;
  usage: Usage;
  actions: ActionRecord[];
  /** tool_results gathered for the last assistant message, sent together once all are in. */
  pendingResults: ToolResultBlockParam[];
  /** A tool_use sent to mana-mcp whose outcome was not checkpointed: it may have run. */
  inflight?: { toolUseId: string; toolName: string; module?: string };
  lastStopReason?: StopReason | null;
  /** Set when the main turn is over, with why. */
  ended?: string;
}

export interface TurnSetup {
  model: string;
  maxTokens: number;
  system: string;
  tools: Tool[];
  /** Mark the cached prefix; off only to measure what caching saves. */
  promptCaching: boolean;
}

export interface LoopPorts {
  model: ModelPort;
  callTool(mcpName: string, input: Record<string, unknown>): Promise<ToolOutcome>;
  names: NameMap;
  checkpoint(state: LoopState): Promise<void>;
  /** A reason to stop before the next model call (turns, wall clock, tokens), or undefined. */
  limitReached(state: LoopState): string | undefined;
  /** The invocation is out of time or subrequests: stop here, the next alarm resumes from the checkpoint. */
  shouldYield(): boolean;
  maxToolCalls: number;
  now(): number;
}

const EPHEMERAL = { type: "ephemeral" } as const;
const INTERRUPTED = "interrupted: the runner restarted during this call; it may or may not have run";
const ERROR_MESSAGE_MAX = 500;
const OUTPUT_MAX = 4_000;

export function initialLoopState(userPrompt: string, usage: Usage): LoopState {
  return { messages: [{ role: "user", content: userPrompt }], turns: 0, usage, actions: [], pendingResults: [] };
}

/** Drives the main turn by hand until it ends; every step is checkpointed before the next begins. */
export async function runMainTurn(state: LoopState, setup: TurnSetup, ports: LoopPorts): Promise<LoopState> {
  while (!state.ended && !ports.shouldYield()) {
    await step(state, setup, ports);
    await ports.checkpoint(state);
  }
  return state;
}

async function step(state: LoopState, setup: TurnSetup, ports: LoopPorts): Promise<void> {
  const last = state.messages.at(-1);
  if (last?.role === "assistant" && state.lastStopReason !== "pause_turn") {
    const open = unanswered(last, state.pendingResults);
    if (open[0]) return answerToolUse(state, open[0], ports);
    if (state.pendingResults.length === 0) {
      state.ended = `stop_reason ${state.lastStopReason ?? "unknown"}`;
      return;
    }
    state.messages.push({ role: "user", content: state.pendingResults });
    state.pendingResults = [];
    if (state.actions.length >= ports.maxToolCalls) state.ended = `tool-call limit ${ports.maxToolCalls} reached`;
    return;
  }
  const limit = ports.limitReached(state);
  if (limit) {
    state.ended = limit;
    return;
  }
  await callModel(state, setup, ports);
}

async function callModel(state: LoopState, setup: TurnSetup, ports: LoopPorts): Promise<void> {
  const response = await ports.model.create(mainRequest(setup, state.messages));
  state.turns++;
  state.usage = addUsage(state.usage, response.usage);
  const content = response.stop_reason === "max_tokens" ? dropCutToolUse(response.content) : response.content;
  const previous = state.messages.at(-1);
  if (state.lastStopReason === "pause_turn" && previous?.role === "assistant") {
    // A paused turn continues the same assistant message rather than starting a new one.
    previous.content = [...asBlocks(previous.content), ...(content as ContentBlockParam[])];
  } else {
    state.messages.push({ role: "assistant", content: content as ContentBlockParam[] });
  }
  state.lastStopReason = response.stop_reason;
  const hasToolUse = content.some((block) => block.type === "tool_use");
  if (response.stop_reason === "pause_turn" || hasToolUse) return;
  state.ended = `stop_reason ${response.stop_reason}`;
}

async function answerToolUse(state: LoopState, use: ToolUseBlock, ports: LoopPorts): Promise<void> {
  const mcpName = ports.names.toMcp(use.name);
  const input = (use.input ?? {}) as Record<string, unknown>;
  const base = { toolUseId: use.id, toolName: mcpName ?? use.name, module: mcpName ? ports.names.moduleOf(use.name) : undefined, input };
  const started = ports.now();
  let outcome: ToolOutcome;
  if (state.inflight?.toolUseId === use.id) {
    outcome = { kind: "unknown", error: INTERRUPTED };
  } else if (state.actions.length >= ports.maxToolCalls) {
    outcome = { kind: "refused", error: `not executed: tool-call limit ${ports.maxToolCalls} reached` };
  } else if (!mcpName) {
    outcome = { kind: "refused", error: `not executed: unknown tool ${use.name}` };
  } else {
    state.inflight = { toolUseId: use.id, toolName: mcpName, ...(base.module ? { module: base.module } : {}) };
    await ports.checkpoint(state);
    outcome = await ports.callTool(mcpName, input);
  }
  const record = await toRecord(base, outcome, ports.now() - started, new Date(started).toISOString());
  // Calls refused at the limit are still answered, but recorded only while the run's batch stays postable:
  // one message with many tool_use blocks must not push it past what mana-auth accepts.
  if (outcome.kind !== "refused" || state.actions.length < ACTION_BATCH_MAX) state.actions.push(record);
  state.pendingResults.push(toolResult(use.id, outcome));
  state.inflight = undefined;
}

async function toRecord(
  base: Pick<ActionRecord, "toolUseId" | "toolName" | "module" | "input">,
  outcome: ToolOutcome,
  latencyMs: number,
  at: string,
): Promise<ActionRecord> {
  const failed = outcome.kind !== "result" || outcome.isError;
  const text = outcome.kind === "result" ? outcome.text : outcome.error;
  return {
    ...base,
    inputHash: await inputHash(base.input),
    result: failed ? "error" : "ok",
    ...(failed ? { errorMessage: text.slice(0, ERROR_MESSAGE_MAX) } : {}),
    output: text.slice(0, OUTPUT_MAX),
    latencyMs: Math.max(0, Math.round(latencyMs)),
    at,
  };
}

/** A run abandoned mid-call still reports that call, as an error whose effect is unknown. */
export async function abandonInflight(state: LoopState, now: number): Promise<void> {
  const inflight = state.inflight;
  if (!inflight) return;
  const use = state.messages
    .flatMap((message) => asBlocks(message.content))
    .find((block): block is ToolUseBlock => block.type === "tool_use" && block.id === inflight.toolUseId);
  const base = { toolUseId: inflight.toolUseId, toolName: inflight.toolName, module: inflight.module, input: use?.input ?? {} };
  state.actions.push(await toRecord(base, { kind: "unknown", error: INTERRUPTED }, 0, new Date(now).toISOString()));
  state.inflight = undefined;
}

function toolResult(toolUseId: string, outcome: ToolOutcome): ToolResultBlockParam {
  if (outcome.kind === "result") {
    return { type: "tool_result", tool_use_id: toolUseId, content: outcome.text || "(leer)", ...(outcome.isError ? { is_error: true } : {}) };
  }
  return { type: "tool_result", tool_use_id: toolUseId, content: outcome.error, is_error: true };
}

function unanswered(message: MessageParam, results: ToolResultBlockParam[]): ToolUseBlock[] {
  const answered = new Set(results.map((result) => result.tool_use_id));
  return asBlocks(message.content).filter((block): block is ToolUseBlock => block.type === "tool_use" && !answered.has(block.id));
}

/** A tool_use at the end of a max_tokens answer may be cut off mid-input: it must not run (contracts §3). */
function dropCutToolUse(content: ContentBlock[]): ContentBlock[] {
  return content.at(-1)?.type === "tool_use" ? content.slice(0, -1) : content;
}

/** Tools and system form one cached prefix; the second breakpoint lets the conversation grow behind it. */
export function mainRequest(setup: TurnSetup, messages: MessageParam[]): MessageCreateParamsNonStreaming {
  const cache = setup.promptCaching ? { cache_control: EPHEMERAL } : {};
  return {
    model: setup.model,
    max_tokens: setup.maxTokens,
    system: [{ type: "text", text: setup.system, ...cache }],
    tools: setup.tools,
    messages: setup.promptCaching ? withTrailingBreakpoint(messages) : messages,
  };
}

function withTrailingBreakpoint(messages: MessageParam[]): MessageParam[] {
  const last = messages.at(-1);
  if (!last) return messages;
  const blocks = asBlocks(last.content).map((block) => ({ ...block }));
  const tail = blocks.at(-1);
  if (tail && tail.type !== "thinking" && tail.type !== "redacted_thinking") Object.assign(tail, { cache_control: EPHEMERAL });
  return [...messages.slice(0, -1), { ...last, content: blocks } as MessageParam];
}

function asBlocks(content: MessageParam["content"]): ContentBlockParam[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

export async function inputHash(input: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(input ?? {})));
  return [...new Uint8Array(digest).slice(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
