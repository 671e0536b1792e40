/**
 * @module
 * The main turn's tool loop, driven by hand: one model call or one tool call per step, each recorded before
 * the next begins, so a crash at any point resumes without repeating a call that may have run.
 */
import type {
  CacheControlEphemeral,
  ContentBlock,
  ContentBlockParam,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  Tool,
  ToolChoice,
  ToolResultBlockParam,
  ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages";
import type { ToolCacheTtl } from "../config";
import { ERROR_MESSAGE_MAX_CHARS, MODEL_TEXT_MAX_CHARS, TOOL_INPUT_MAX_CHARS, TOOL_NAME_MAX_CHARS, TOOL_RESULT_MAX_CHARS, formatBytes, truncate } from "../caps";
import type { NameMap } from "../mcp/names";
import type { ToolOutcome } from "../mcp/session";
import { type ActionRecord, asBlocks, type Conversation, type TurnStep, unanswered } from "./conversation";
import type { ModelPort } from "./model";
import { fromApi } from "./usage";

export interface TurnSetup {
  model: string;
  maxTokens: number;
  /** Mark the cached prefix; off only to measure what caching saves. */
  promptCaching: boolean;
  /** Lifetime of the breakpoint after the tools, the prefix every persona shares; `off` only to measure what it saves. */
  toolCache: ToolCacheTtl;
}

export interface LoopPorts {
  model: ModelPort;
  callTool(mcpName: string, input: Record<string, unknown>): Promise<ToolOutcome>;
  names: NameMap;
  /** Stores the step, then applies it to the conversation; nothing counts as done before it is stored. */
  record(step: TurnStep): Promise<void>;
  /** Charges a model answer's usage to the day's budget, after the answer is stored. */
  charge(): Promise<void>;
  /** A reason to stop before the next model call (turns, wall clock, tokens), or undefined. */
  limitReached(state: Conversation): string | undefined;
  /** The invocation is out of time or subrequests: stop here, the next alarm resumes from the stored steps. */
  shouldYield(): boolean;
  maxToolCalls: number;
  now(): number;
}

const EPHEMERAL = { type: "ephemeral" } as const;
export const INTERRUPTED = "interrupted: the runner restarted during this call; it may or may not have run";

/** Drives the main turn until it ends or the invocation must yield. */
export async function runMainTurn(state: Conversation, setup: TurnSetup, ports: LoopPorts): Promise<void> {
  while (!state.ended && !ports.shouldYield()) await step(state, setup, ports);
}

async function step(state: Conversation, setup: TurnSetup, ports: LoopPorts): Promise<void> {
  const open = unanswered(state);
  if (open[0] && state.lastStopReason !== "pause_turn") {
    await answerToolUse(state, open[0], ports);
    const flushed = state.messages.at(-1)?.role === "user";
    if (flushed && state.actions.length >= ports.maxToolCalls) await ports.record({ type: "ended", reason: `tool-call limit ${ports.maxToolCalls} reached` });
    return;
  }
  const limit = ports.limitReached(state);
  if (limit) return ports.record({ type: "ended", reason: limit });
  const response = await ports.model.create(mainRequest(setup, state));
  await ports.record(keptResponse(response));
  await ports.charge();
}

/**
 * What of a model answer is kept. Only `tool_use` and `pause_turn` answers carry calls to run; `max_tokens`
 * may cut its trailing tool_use mid-input, and a refusal or an exceeded context window ends the turn, so a
 * call they carry is dropped, never run. Empty text blocks go too: the API refuses them in a history.
 */
export function keptResponse(response: Message): Extract<TurnStep, { type: "response" }> {
  const stop = response.stop_reason;
  let blocks: ContentBlock[] = response.content;
  let cut: string | undefined;
  if (stop === "max_tokens" && blocks.at(-1)?.type === "tool_use") {
    cut = `a tool_use cut off by stop_reason ${stop} was dropped`;
    blocks = blocks.slice(0, -1);
  } else if (stop !== "tool_use" && stop !== "pause_turn" && blocks.some((block) => block.type === "tool_use")) {
    cut = `tool_use blocks of a stop_reason ${stop} answer were dropped`;
    blocks = blocks.filter((block) => block.type !== "tool_use");
  }
  const refused: Record<string, string> = {};
  const content = blocks.flatMap((block): ContentBlockParam[] => {
    if (block.type === "text") return block.text.trim() === "" ? [] : [{ type: "text", text: truncate(block.text, MODEL_TEXT_MAX_CHARS) }];
    if (block.type !== "tool_use") return [block as ContentBlockParam];
    const size = JSON.stringify(block.input ?? {}).length;
    if (size <= TOOL_INPUT_MAX_CHARS) return [{ type: "tool_use", id: block.id, name: block.name, input: block.input }];
    refused[block.id] = `not executed: its input of ${formatBytes(size)} exceeds ${formatBytes(TOOL_INPUT_MAX_CHARS)}`;
    return [{ type: "tool_use", id: block.id, name: block.name, input: {} }];
  });
  return {
    type: "response",
    content,
    stopReason: stop,
    usage: fromApi(response.usage),
    ...(cut ? { cut } : {}),
    ...(Object.keys(refused).length > 0 ? { refused } : {}),
  };
}

async function answerToolUse(state: Conversation, use: ToolUseBlock, ports: LoopPorts): Promise<void> {
  const mcpName = ports.names.toMcp(use.name);
  const input = (use.input ?? {}) as Record<string, unknown>;
  const module = mcpName ? ports.names.moduleOf(use.name) : undefined;
  const base = { toolUseId: use.id, toolName: mcpName ?? use.name, ...(module ? { module } : {}), input };
  const started = ports.now();
  let outcome: ToolOutcome;
  const refusal = refusalOf(state, use, mcpName, ports.maxToolCalls);
  if (state.inflight?.toolUseId === use.id) {
    outcome = { kind: "unknown", error: INTERRUPTED };
  } else if (refusal || !mcpName) {
    outcome = { kind: "refused", error: refusal ?? "not executed" };
  } else {
    // The last thing before the call: from here on, the call may have run.
    await ports.record({ type: "inflight", toolUseId: use.id, toolName: mcpName, ...(module ? { module } : {}) });
    outcome = await ports.callTool(mcpName, input);
  }
  const action = await actionRecord(base, outcome, ports.now() - started, new Date(started).toISOString());
  await ports.record({ type: "result", action, result: toolResult(use.id, outcome) });
}

function refusalOf(state: Conversation, use: ToolUseBlock, mcpName: string | undefined, maxToolCalls: number): string | undefined {
  if (state.refused[use.id]) return state.refused[use.id];
  if (state.actions.length >= maxToolCalls) return `not executed: tool-call limit ${maxToolCalls} reached`;
  return mcpName ? undefined : `not executed: unknown tool ${use.name}`;
}

/** The action as recorded and posted: every text field cut to what mana-auth and storage can hold. */
export async function actionRecord(
  base: Pick<ActionRecord, "toolUseId" | "toolName" | "module" | "input">,
  outcome: ToolOutcome,
  latencyMs: number,
  at: string,
): Promise<ActionRecord> {
  const failed = outcome.kind !== "result" || outcome.isError;
  const text = outcome.kind === "result" ? outcome.text : outcome.error;
  return {
    ...base,
    toolName: truncate(base.toolName, TOOL_NAME_MAX_CHARS),
    inputHash: await inputHash(base.input),
    result: failed ? "error" : "ok",
    ...(outcome.kind === "refused" ? { refused: true } : {}),
    ...(failed ? { errorMessage: truncate(text, ERROR_MESSAGE_MAX_CHARS) } : {}),
    output: truncate(text, TOOL_RESULT_MAX_CHARS),
    latencyMs: Math.max(0, Math.round(latencyMs)),
    at,
  };
}

/** The result the model sees: the same cut as the transcript, marked, never the full 5 MB. */
function toolResult(toolUseId: string, outcome: ToolOutcome): ToolResultBlockParam {
  if (outcome.kind === "result") {
    const content = truncate(outcome.text, TOOL_RESULT_MAX_CHARS) || "(leer)";
    return { type: "tool_result", tool_use_id: toolUseId, content, ...(outcome.isError ? { is_error: true } : {}) };
  }
  return { type: "tool_result", tool_use_id: toolUseId, content: outcome.error, is_error: true };
}

/** A run abandoned mid-call still reports that call, as an error whose effect is unknown. */
export async function interruptedAction(state: Conversation, now: number): Promise<ActionRecord | undefined> {
  const inflight = state.inflight;
  if (!inflight) return undefined;
  const use = state.messages
    .flatMap((message) => asBlocks(message.content))
    .find((block): block is ToolUseBlock => block.type === "tool_use" && block.id === inflight.toolUseId);
  const base = { toolUseId: inflight.toolUseId, toolName: inflight.toolName, ...(inflight.module ? { module: inflight.module } : {}), input: use?.input ?? {} };
  return actionRecord(base, { kind: "unknown", error: INTERRUPTED }, 0, new Date(now).toISOString());
}

/**
 * The prompt is cached in the API's order, tools → system → messages, with up to three breakpoints: after the
 * tools (the same bytes for every persona offered the same tools, so personas read what another wrote), after the
 * persona's system prompt, and on the newest message (so the conversation grows behind the cache). A 1-hour
 * breakpoint must come before any 5-minute one, which the tools' place guarantees.
 */
export function mainRequest(setup: TurnSetup, state: Pick<Conversation, "system" | "tools" | "messages">, toolChoice?: ToolChoice): MessageCreateParamsNonStreaming {
  const cache = setup.promptCaching ? { cache_control: EPHEMERAL } : {};
  return {
    model: setup.model,
    max_tokens: setup.maxTokens,
    tools: setup.promptCaching ? withToolsBreakpoint(state.tools, setup.toolCache) : state.tools,
    system: [{ type: "text", text: state.system, ...cache }],
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    messages: setup.promptCaching ? withTrailingBreakpoint(state.messages) : state.messages,
  };
}

const TOOL_BREAKPOINTS: Record<Exclude<ToolCacheTtl, "off">, CacheControlEphemeral> = { "1h": { type: "ephemeral", ttl: "1h" }, "5m": EPHEMERAL };

function withToolsBreakpoint(tools: Tool[], ttl: ToolCacheTtl): Tool[] {
  const last = tools.at(-1);
  if (ttl === "off" || !last) return tools;
  return [...tools.slice(0, -1), { ...last, cache_control: TOOL_BREAKPOINTS[ttl] }];
}

function withTrailingBreakpoint(messages: MessageParam[]): MessageParam[] {
  const last = messages.at(-1);
  if (!last) return messages;
  const blocks = asBlocks(last.content).map((block) => ({ ...block }));
  const tail = blocks.at(-1);
  if (tail && tail.type !== "thinking" && tail.type !== "redacted_thinking") Object.assign(tail, { cache_control: EPHEMERAL });
  return [...messages.slice(0, -1), { ...last, content: blocks } as MessageParam];
}

export async function inputHash(input: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(input ?? {})));
  return [...new Uint8Array(digest).slice(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
