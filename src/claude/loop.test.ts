import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { buildNameMap } from "../mcp/names";
import type { ToolOutcome } from "../mcp/session";
import { initialLoopState, type LoopPorts, type LoopState, mainRequest, runMainTurn, type TurnSetup } from "./loop";
import { ZERO_USAGE } from "./usage";

const setup: TurnSetup = { model: "m", maxTokens: 100, system: "Du bist Anna", tools: [], promptCaching: true };
const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

function reply(stop: Message["stop_reason"], ...content: unknown[]): Message {
  return { id: "msg", type: "message", role: "assistant", model: "m", content, stop_reason: stop, stop_sequence: null, usage } as Message;
}
const use = (id: string, name: string, input: object = {}) => ({ type: "tool_use", id, name, input });

function harness(replies: Message[], outcomes: Record<string, ToolOutcome> = {}) {
  const requests: MessageCreateParamsNonStreaming[] = [];
  const calls: string[] = [];
  const checkpoints: string[] = [];
  const ports: LoopPorts = {
    model: { create: async (params) => (requests.push(structuredClone(params)), replies.shift() ?? reply("end_turn")) },
    callTool: async (name) => (calls.push(name), outcomes[name] ?? { kind: "result", text: `{"ok":"${name}"}`, isError: false }),
    names: buildNameMap(["todo.create", "todo.list", "mood.log"]),
    checkpoint: async (state) => void checkpoints.push(JSON.stringify(state)),
    limitReached: (state) => (state.turns >= 10 ? "turn limit" : undefined),
    shouldYield: () => false,
    maxToolCalls: 40,
    now: () => 0,
  };
  return { ports, requests, calls, checkpoints };
}

describe("runMainTurn", () => {
  it("answers parallel tool_use blocks in one user message, paired by id", async () => {
    const h = harness([reply("tool_use", { type: "text", text: "los" }, use("a", "todo_create"), use("b", "mood_log")), reply("end_turn", { type: "text", text: "fertig" })]);
    const state = await runMainTurn(initialLoopState("Hallo", ZERO_USAGE), setup, h.ports);
    expect(h.calls).toEqual(["todo.create", "mood.log"]);
    const results = h.requests[1]?.messages.at(-1)?.content as { type: string; tool_use_id: string }[];
    expect(results.map((r) => [r.type, r.tool_use_id])).toEqual([["tool_result", "a"], ["tool_result", "b"]]);
    expect(state.actions.map((a) => [a.toolUseId, a.toolName, a.module, a.result])).toEqual([
      ["a", "todo.create", "todo", "ok"],
      ["b", "mood.log", "mood", "ok"],
    ]);
    expect(state.ended).toBe("stop_reason end_turn");
    expect(state.usage).toEqual({ input: 20, output: 10, cacheWrite: 0, cacheRead: 0 });
  });

  it("returns tool failures as is_error results and error actions", async () => {
    const h = harness([reply("tool_use", use("a", "todo_create")), reply("tool_use", use("b", "todo_list")), reply("end_turn")], {
      "todo.create": { kind: "result", text: "Tool todo.create failed: boom", isError: true },
      "todo.list": { kind: "unknown", error: "reply lost, effect unknown: cut" },
    });
    const state = await runMainTurn(initialLoopState("Hallo", ZERO_USAGE), setup, h.ports);
    expect(state.actions.map((a) => [a.result, a.errorMessage])).toEqual([
      ["error", "Tool todo.create failed: boom"],
      ["error", "reply lost, effect unknown: cut"],
    ]);
    const firstResult = (h.requests[1]?.messages.at(-1)?.content as { is_error?: boolean }[])[0];
    expect(firstResult?.is_error).toBe(true);
  });

  it("never runs a tool_use cut off by max_tokens", async () => {
    const h = harness([reply("max_tokens", { type: "text", text: "ich" }, use("a", "todo_create"))]);
    const state = await runMainTurn(initialLoopState("Hallo", ZERO_USAGE), setup, h.ports);
    expect(h.calls).toEqual([]);
    expect(state.ended).toBe("stop_reason max_tokens");
  });

  it("answers an unknown tool without calling mana-mcp", async () => {
    const h = harness([reply("tool_use", use("a", "calendar_add")), reply("end_turn")]);
    const state = await runMainTurn(initialLoopState("Hallo", ZERO_USAGE), setup, h.ports);
    expect(h.calls).toEqual([]);
    expect(state.actions[0]).toMatchObject({ toolName: "calendar_add", result: "error" });
  });

  it("reports a call interrupted by a restart instead of running it again", async () => {
    const h = harness([reply("end_turn")]);
    const state: LoopState = {
      ...initialLoopState("Hallo", ZERO_USAGE),
      messages: [{ role: "user", content: "Hallo" }, { role: "assistant", content: [use("a", "todo_create", { title: "x" })] as never }],
      turns: 1,
      inflight: { toolUseId: "a", toolName: "todo.create", module: "todo" },
    };
    const done = await runMainTurn(state, setup, h.ports);
    expect(h.calls).toEqual([]);
    expect(done.actions[0]).toMatchObject({ toolUseId: "a", toolName: "todo.create", result: "error" });
    expect(done.actions[0]?.errorMessage).toMatch(/interrupted/);
  });

  it("checkpoints the in-flight marker before the call and clears it after", async () => {
    const h = harness([reply("tool_use", use("a", "todo_create")), reply("end_turn")]);
    await runMainTurn(initialLoopState("Hallo", ZERO_USAGE), setup, h.ports);
    const states = h.checkpoints.map((s) => JSON.parse(s) as LoopState);
    const marked = states.findIndex((s) => s.inflight?.toolUseId === "a");
    expect(marked).toBeGreaterThanOrEqual(0);
    expect(states[marked]?.actions).toHaveLength(0);
    expect(states[marked + 1]?.inflight).toBeUndefined();
    expect(states[marked + 1]?.actions).toHaveLength(1);
  });

  it("answers every tool_use past the tool-call limit but keeps the action batch within 500 rows", async () => {
    const uses = Array.from({ length: 600 }, (_, i) => use(`u${i}`, "todo_list"));
    const h = harness([reply("tool_use", ...uses), reply("end_turn")]);
    h.ports.maxToolCalls = 2;
    const state = await runMainTurn(initialLoopState("Hallo", ZERO_USAGE), setup, h.ports);
    expect(h.calls).toHaveLength(2);
    expect((state.messages.at(-1)?.content as unknown[]).length).toBe(600);
    expect(state.ended).toBe("tool-call limit 2 reached");
    expect(state.actions).toHaveLength(500);
    expect(state.actions[2]?.errorMessage).toMatch(/not executed: tool-call limit 2/);
  });

  it("stops at the limit before calling the model", async () => {
    const h = harness([reply("end_turn")]);
    h.ports.limitReached = () => "turn limit 15 reached";
    const state = await runMainTurn(initialLoopState("Hallo", ZERO_USAGE), setup, h.ports);
    expect(h.requests).toHaveLength(0);
    expect(state.ended).toBe("turn limit 15 reached");
  });
});

describe("mainRequest", () => {
  it("puts one breakpoint after the system prompt and one on the newest message, without touching the state", () => {
    const messages = [{ role: "user" as const, content: "Hallo" }];
    const request = mainRequest(setup, messages);
    const marks = JSON.stringify(request).match(/cache_control/g) ?? [];
    expect(marks).toHaveLength(2);
    expect(JSON.stringify(messages)).not.toContain("cache_control");
    expect(JSON.stringify(mainRequest({ ...setup, promptCaching: false }, messages))).not.toContain("cache_control");
  });
});
