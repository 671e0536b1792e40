/** @module The tool loop: tool_use answered by id, cut or stopped answers never run, interrupted calls reported not rerun, cache marks. */
import type { Message, MessageCreateParamsNonStreaming, Tool } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { buildNameMap } from "../mcp/names";
import type { McpTool } from "../mcp/session";
import { offerTools } from "../mcp/tools";
import type { ToolOutcome } from "../mcp/session";
import { applyTurnStep, type Conversation, emptyConversation, type TurnStep } from "./conversation";
import { keptResponse, type LoopPorts, mainRequest, runMainTurn, type TurnSetup } from "./loop";
import { ratingRequest } from "./rating-turn";

const setup: TurnSetup = { model: "m", maxTokens: 100, promptCaching: true, toolCache: "1h" };
const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

function reply(stop: Message["stop_reason"], ...content: unknown[]): Message {
  return { id: "msg", type: "message", role: "assistant", model: "m", content, stop_reason: stop, stop_sequence: null, usage } as Message;
}
const use = (id: string, name: string, input: object = {}) => ({ type: "tool_use", id, name, input });

function started(prompt = "Hallo", system = "Du bist Anna", listed: McpTool[] = []): Conversation {
  const conversation = emptyConversation();
  const offered = offerTools(listed, { allow: ["*"], deny: [] });
  applyTurnStep(conversation, { type: "start", system, prompt, tools: offered.tools, names: offered.names, leftOut: [] });
  return conversation;
}

function harness(replies: Message[], outcomes: Record<string, ToolOutcome> = {}) {
  const requests: MessageCreateParamsNonStreaming[] = [];
  const calls: string[] = [];
  const steps: TurnStep[] = [];
  let charged = 0;
  const state = started();
  const ports: LoopPorts = {
    model: { create: async (params) => (requests.push(structuredClone(params)), replies.shift() ?? reply("end_turn")) },
    callTool: async (name) => (calls.push(name), outcomes[name] ?? { kind: "result", text: `{"ok":"${name}"}`, isError: false }),
    names: buildNameMap(["todo.create", "todo.list", "mood.log"]),
    record: async (step) => {
      steps.push(structuredClone(step));
      applyTurnStep(state, step);
    },
    charge: async () => void charged++,
    limitReached: (conversation) => (conversation.turns >= 10 ? "turn limit" : undefined),
    shouldYield: () => false,
    maxToolCalls: 40,
    now: () => 0,
  };
  return { ports, requests, calls, steps, state, charges: () => charged };
}

describe("runMainTurn", () => {
  it("answers parallel tool_use blocks in one user message, paired by id", async () => {
    const h = harness([reply("tool_use", { type: "text", text: "los" }, use("a", "todo_create"), use("b", "mood_log")), reply("end_turn", { type: "text", text: "fertig" })]);
    await runMainTurn(h.state, setup, h.ports);
    expect(h.calls).toEqual(["todo.create", "mood.log"]);
    const results = h.requests[1]?.messages.at(-1)?.content as { type: string; tool_use_id: string }[];
    expect(results.map((r) => [r.type, r.tool_use_id])).toEqual([["tool_result", "a"], ["tool_result", "b"]]);
    expect(h.state.actions.map((a) => [a.toolUseId, a.toolName, a.module, a.result])).toEqual([
      ["a", "todo.create", "todo", "ok"],
      ["b", "mood.log", "mood", "ok"],
    ]);
    expect(h.state.ended).toBe("stop_reason end_turn");
    expect(h.state.usage).toEqual({ input: 20, output: 10, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 });
    expect(h.charges()).toBe(2);
  });

  it("returns tool failures as is_error results and error actions", async () => {
    const h = harness([reply("tool_use", use("a", "todo_create")), reply("tool_use", use("b", "todo_list")), reply("end_turn")], {
      "todo.create": { kind: "result", text: "Tool todo.create failed: boom", isError: true },
      "todo.list": { kind: "unknown", error: "reply lost, effect unknown: cut" },
    });
    await runMainTurn(h.state, setup, h.ports);
    expect(h.state.actions.map((a) => [a.result, a.errorMessage])).toEqual([
      ["error", "Tool todo.create failed: boom"],
      ["error", "reply lost, effect unknown: cut"],
    ]);
    const firstResult = (h.requests[1]?.messages.at(-1)?.content as { is_error?: boolean }[])[0];
    expect(firstResult?.is_error).toBe(true);
  });

  it("never runs a tool_use cut off by max_tokens", async () => {
    const h = harness([reply("max_tokens", { type: "text", text: "ich" }, use("a", "todo_create"))]);
    await runMainTurn(h.state, setup, h.ports);
    expect(h.calls).toEqual([]);
    expect(h.state.ended).toBe("stop_reason max_tokens");
    expect(h.steps.find((step) => step.type === "response")).toMatchObject({ cut: expect.stringMatching(/cut off/) });
  });

  it.each(["model_context_window_exceeded", "refusal", "end_turn", "stop_sequence"] as const)(
    "never runs a tool_use of a %s answer, and ends the turn with the reason",
    async (stop) => {
      const h = harness([reply(stop, { type: "text", text: "Moment" }, use("a", "todo_create"), use("b", "todo_list"))]);
      await runMainTurn(h.state, setup, h.ports);
      expect(h.calls).toEqual([]);
      expect(h.state.ended).toBe(`stop_reason ${stop}`);
      expect(JSON.stringify(h.state.messages)).not.toContain("tool_use");
    },
  );

  it("answers an unknown tool without calling mana-mcp", async () => {
    const h = harness([reply("tool_use", use("a", "calendar_add")), reply("end_turn")]);
    await runMainTurn(h.state, setup, h.ports);
    expect(h.calls).toEqual([]);
    expect(h.state.actions[0]).toMatchObject({ toolName: "calendar_add", result: "error", refused: true });
  });

  it("reports a call interrupted by a restart instead of running it again", async () => {
    const h = harness([reply("end_turn")]);
    applyTurnStep(h.state, { type: "response", content: [use("a", "todo_create", { title: "x" })] as never, stopReason: "tool_use", usage: { input: 1, output: 1, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 } });
    applyTurnStep(h.state, { type: "inflight", toolUseId: "a", toolName: "todo.create", module: "todo" });
    await runMainTurn(h.state, setup, h.ports);
    expect(h.calls).toEqual([]);
    expect(h.state.actions[0]).toMatchObject({ toolUseId: "a", toolName: "todo.create", result: "error" });
    expect(h.state.actions[0]?.errorMessage).toMatch(/interrupted/);
  });

  it("records the in-flight marker right before the call and the result after it", async () => {
    const h = harness([reply("tool_use", use("a", "todo_create")), reply("end_turn")]);
    await runMainTurn(h.state, setup, h.ports);
    expect(h.steps.map((step) => step.type)).toEqual(["response", "inflight", "result", "response"]);
  });

  it("never marks a call in flight when charging the answer fails: the call was never sent", async () => {
    const h = harness([reply("tool_use", use("a", "todo_create")), reply("end_turn")]);
    h.ports.charge = async () => {
      throw new Error("coordinator unavailable");
    };
    await expect(runMainTurn(h.state, setup, h.ports)).rejects.toThrow(/coordinator/);
    expect(h.steps.map((step) => step.type)).toEqual(["response"]);
    expect(h.calls).toEqual([]);
  });

  it("refuses a tool_use whose input is too large to keep, and says so", async () => {
    const h = harness([reply("tool_use", use("a", "todo_create", { title: "x".repeat(20_000) })), reply("end_turn")]);
    await runMainTurn(h.state, setup, h.ports);
    expect(h.calls).toEqual([]);
    expect(h.state.actions[0]?.errorMessage).toMatch(/not executed: its input of .* exceeds/);
    expect(JSON.stringify(h.steps).length).toBeLessThan(10_000);
  });

  it("answers every tool_use past the tool-call limit but keeps the action batch within 500 rows", async () => {
    const uses = Array.from({ length: 600 }, (_, i) => use(`u${i}`, "todo_list"));
    const h = harness([reply("tool_use", ...uses), reply("end_turn")]);
    h.ports.maxToolCalls = 2;
    await runMainTurn(h.state, setup, h.ports);
    expect(h.calls).toHaveLength(2);
    expect((h.state.messages.at(-1)?.content as unknown[]).length).toBe(600);
    expect(h.state.ended).toBe("tool-call limit 2 reached");
    expect(h.state.actions).toHaveLength(500);
    expect(h.state.actions[2]?.errorMessage).toMatch(/not executed: tool-call limit 2/);
  });

  it("stops at the limit before calling the model", async () => {
    const h = harness([reply("end_turn")]);
    h.ports.limitReached = () => "turn limit 15 reached";
    await runMainTurn(h.state, setup, h.ports);
    expect(h.requests).toHaveLength(0);
    expect(h.state.ended).toBe("turn limit 15 reached");
  });
});

describe("keptResponse", () => {
  it("cuts a huge text block with a marker and drops whitespace-only blocks", () => {
    const kept = keptResponse(reply("end_turn", { type: "text", text: "  " }, { type: "text", text: "y".repeat(100_000) }));
    expect(kept.content).toHaveLength(1);
    expect((kept.content[0] as { text: string }).text).toMatch(/…\[truncated: .* KB\]$/);
  });
});

describe("mainRequest", () => {
  const schema = (field: string) => ({ type: "object", properties: { [field]: { type: "string" } }, required: [field] });
  const listed: McpTool[] = [
    { name: "todo.create", description: "Aufgabe anlegen", inputSchema: schema("title") },
    { name: "mood.log", description: "Stimmung", inputSchema: schema("mood") },
    { name: "notes.create", description: "Notiz", inputSchema: schema("title") },
  ];

  it("gives two personas offered the same tools byte-identical tool blocks, the 1-hour breakpoint on the last", () => {
    const anna = started("Hallo", "Du bist Anna", listed);
    const marcus = started("Guten Morgen", "Du bist Marcus", [...listed].reverse());
    applyTurnStep(marcus, { type: "response", content: [use("a", "todo_create", { title: "x" })] as never, stopReason: "tool_use", usage: { input: 1, output: 1, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 } });
    const requests = [mainRequest(setup, anna), mainRequest(setup, marcus), ratingRequest(setup, marcus, ["todo"])];
    const blocks = requests.map((request) => JSON.stringify(request.tools));
    expect(new Set(blocks).size).toBe(1);
    expect(requests[0]?.tools?.map((tool) => (tool as Tool).name)).toEqual(["mood_log", "notes_create", "todo_create"]);
    expect(requests[0]?.tools?.map((tool) => "cache_control" in tool && tool.cache_control)).toEqual([false, false, { type: "ephemeral", ttl: "1h" }]);
    expect(JSON.stringify(requests[0]?.system)).not.toEqual(JSON.stringify(requests[1]?.system));
  });

  it("keeps the persona's own breakpoints behind the tools', with 5-minute lifetimes after the 1-hour one", () => {
    const state = started("Hallo", "Du bist Anna", listed);
    const request = mainRequest(setup, state);
    // In the order the API caches the prompt: tools, system, messages.
    const inCacheOrder = [...(request.tools ?? []), ...(request.system as object[]), ...request.messages.flatMap((message) => message.content as object[])];
    const marks = inCacheOrder.flatMap((block) => ("cache_control" in block ? [block.cache_control] : []));
    expect(marks).toEqual([{ type: "ephemeral", ttl: "1h" }, { type: "ephemeral" }, { type: "ephemeral" }]);
    expect(JSON.stringify(state.tools)).not.toContain("cache_control");
    expect(JSON.stringify(state.messages)).not.toContain("cache_control");
  });

  it("marks only the persona's prefix with the tool breakpoint off, and nothing without caching", () => {
    const state = started("Hallo", "Du bist Anna", listed);
    expect(JSON.stringify(mainRequest({ ...setup, toolCache: "off" }, state).tools)).not.toContain("cache_control");
    expect(JSON.stringify(mainRequest({ ...setup, toolCache: "off" }, state)).match(/cache_control/g)).toHaveLength(2);
    expect(mainRequest({ ...setup, toolCache: "5m" }, state).tools?.at(-1)).toMatchObject({ cache_control: { type: "ephemeral" } });
    expect(JSON.stringify(mainRequest({ ...setup, promptCaching: false }, state))).not.toContain("cache_control");
  });
});
