/** @module A run in a real persona object's SQLite: stored rows stay bounded, steps written once, failed budget charges, waiting for a slot, schemas reported until the findings have them. */
import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config";
import type { DuePersona } from "../mana/schemas";
import type { McpTool, ToolOutcome } from "../mcp/session";
import type { Ports } from "./ports";
import { advanceRun, MANUAL_RECHECK_MS, type RunDeps } from "./run";
import { MAX_ROW_BYTES, type RunHeader, RunStore } from "./store";
import { personaStub } from "./wake";

const runner: Env = env;
const config = parseConfig({ ENVIRONMENT: "test", MANA_AUTH_URL: "http://auth.test", MANA_MCP_URL: "http://mcp.test", MAX_TOOL_CALLS: "45", MAX_TURNS: "60" });
const persona: DuePersona = {
  userId: "u1",
  email: "persona.probe@mana.test",
  archetype: "probe",
  systemPrompt: "Du bist Probe.",
  moduleMix: { todo: 1 },
  tickCadence: "daily",
  lastActiveAt: null,
};
const tools: McpTool[] = [{ name: "todo.list", inputSchema: { type: "object" } }];
const usage = { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

function reply(stop: Message["stop_reason"], ...content: unknown[]): Message {
  return { id: "m", type: "message", role: "assistant", model: "m", content, stop_reason: stop, stop_sequence: null, usage } as Message;
}
const toolUse = (i: number) => ({ type: "tool_use", id: `toolu_${i}`, name: "todo_list", input: {} });
const rating = (text: string) => reply("end_turn", { type: "text", text });

interface World {
  requests: MessageCreateParamsNonStreaming[];
  calls: string[];
  posted: unknown[][];
  spends: number;
}

/** A run against fakes, in a real persona object's SQLite (so the row limit is the store's, as in production). */
async function inRun(
  script: { replies: Message[]; outcome(call: number): ToolOutcome; maxRowBytes?: number; spend?(call: number): void },
  check: (store: RunStore, world: World, deps: RunDeps) => Promise<void>,
): Promise<void> {
  const stub = personaStub(runner, `run-test-${crypto.randomUUID()}`);
  await runInDurableObject(stub, async (_instance, state) => {
    const store = new RunStore(state.storage.sql, script.maxRowBytes ?? MAX_ROW_BYTES);
    const world: World = { requests: [], calls: [], posted: [], spends: 0 };
    const ports: Ports = {
      auth: {
        listDue: async () => ({ personas: [], serverTime: "" }),
        login: async () => ({ userId: persona.userId, accessToken: "jwt" }),
        resolvePersonalSpace: async () => "space",
        postActions: async (_user, rows) => (world.posted.push(rows), { kind: "delivered" }),
        postFeedback: async (_user, rows) => (world.posted.push(rows), { kind: "delivered" }),
      },
      mcp: {
        open: async () => ({
          tools,
          call: async (name) => (world.calls.push(name), script.outcome(world.calls.length)),
          close: async () => undefined,
        }),
      },
      model: { create: async (params) => (world.requests.push(params), script.replies.shift() ?? rating('{"ratings":[]}')) },
      delivery: { auth: undefined as never, ingestEvidence: async () => undefined, upsertSummary: async () => undefined },
      subrequests: () => 0,
    };
    ports.delivery.auth = ports.auth;
    const deps: RunDeps = {
      config,
      ports,
      slots: {
        acquire: async () => ({ granted: true }),
        release: async () => undefined,
        coolDown: async () => undefined,
        spend: async () => script.spend?.(++world.spends),
      },
      store,
      log: { info: () => {}, warn: () => {}, error: () => {}, child: () => deps.log },
      now: Date.now,
      persona: () => persona,
      summary: () => ({ userId: persona.userId, email: persona.email, archetype: "probe", tickCadence: "daily", day: "", tokensToday: 0, costTodayUsd: 0, updatedAt: 0 }),
      yieldAt: { time: Date.now() + 600_000, subrequests: 10_000 },
      loginBackoff: () => {},
    };
    store.saveHeader(queued());
    await check(store, world, deps);
  });
}

function queued(runId = "run-1"): RunHeader {
  return {
    runId,
    tickId: runId,
    slot: "2026-11-25T09:00Z",
    manual: false,
    persona: { userId: persona.userId, email: persona.email, archetype: "probe", tickCadence: "daily" },
    phase: "queued",
    attempts: 0,
    createdAt: Date.now(),
    usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
    costUsd: 0,
  };
}

/** Advances the run the way its object's alarms would, until it settles. */
async function runToEnd(store: RunStore, deps: RunDeps): Promise<RunHeader> {
  for (let invocation = 0; invocation < 10; invocation++) {
    const run = store.activeHeader();
    if (!run) break;
    await advanceRun(run, deps);
  }
  return store.recentHeaders(1)[0] as RunHeader;
}

const text = (text: string): ToolOutcome => ({ kind: "result", text, isError: false });
const rowSizes = (store: RunStore) => store.steps("run-1").map((step) => JSON.stringify(step).length);

describe("bounded checkpoints", () => {
  it("keeps every stored row far below 2 MB whatever upstream sends: a 5 MB result, 40 results of 50 KB, a long rating reply", async () => {
    const replies = [...Array.from({ length: 41 }, (_, i) => reply("tool_use", toolUse(i))), reply("end_turn", { type: "text", text: "Fertig." }), rating("x".repeat(300_000))];
    await inRun({ replies, outcome: (call) => text(call === 1 ? "y".repeat(5 * 1024 * 1024) : "z".repeat(50 * 1024)) }, async (store, world, deps) => {
      const run = await runToEnd(store, deps);
      expect(run.phase).toBe("succeeded");
      expect(world.calls).toHaveLength(41);
      expect(Math.max(...rowSizes(store))).toBeLessThan(100_000);
      // The cut is named where the model saw it and where the transcript keeps it.
      const stored = JSON.stringify(store.steps("run-1").find((step) => step.type === "result"));
      expect(stored).toContain("…[truncated: 5.0 MB]");
      expect(JSON.stringify(world.requests[1]?.messages)).toContain("…[truncated: 5.0 MB]");
      expect(JSON.stringify(store.steps("run-1").find((step) => step.type === "rating"))).toMatch(/…\[truncated: \d+\.\d KB\]/);
    });
  });

  it("writes each step once: bytes written grow with the transcript, not with its square", async () => {
    const replies = [...Array.from({ length: 40 }, (_, i) => reply("tool_use", toolUse(i))), reply("end_turn", { type: "text", text: "Fertig." })];
    await inRun({ replies, outcome: () => text("z".repeat(50 * 1024)) }, async (store, _world, deps) => {
      await runToEnd(store, deps);
      const transcript = rowSizes(store).reduce((sum, size) => sum + size, 0);
      // Rewriting the document at each of ~80 checkpoints would write ~40× the transcript.
      expect(store.bytesWritten).toBeLessThan(transcript * 2);
      expect(store.bytesWritten).toBeGreaterThan(transcript);
    });
  });

  it("refuses a row over the platform's limit like production does, though local workerd would take it", async () => {
    await inRun({ replies: [], outcome: () => text("") }, async (store) => {
      expect(() => store.setFact("big", "x".repeat(3 * 1024 * 1024))).toThrow(/exceeds the 2000000-byte limit/);
    });
  });

  it("fails a run once, with the reason in its header, when a step still cannot be stored", async () => {
    const replies = [reply("tool_use", toolUse(1)), reply("end_turn")];
    await inRun({ replies, maxRowBytes: 20_000, outcome: () => text("z".repeat(50 * 1024)) }, async (store, world, deps) => {
      const run = await runToEnd(store, deps);
      expect(run).toMatchObject({ phase: "failed", attempts: 1, error: expect.stringMatching(/could not store a result step: a row of \d+ bytes exceeds the 20000-byte limit/) });
      expect(world.calls).toEqual(["todo.list"]);
      // The call ran but its result could not be kept: reported once, as a call whose effect is unknown.
      const actions = world.posted[0] as { errorMessage?: string }[];
      expect(actions).toHaveLength(1);
      expect(actions[0]?.errorMessage).toMatch(/interrupted/);
    });
  });
});

describe("budget accounting", () => {
  it("never marks a call that was never sent as interrupted when charging the budget fails", async () => {
    const replies = [reply("tool_use", toolUse(1)), reply("end_turn", { type: "text", text: "Fertig." }), rating('{"ratings":[{"module":"todo","rating":4}]}')];
    await inRun(
      {
        replies,
        outcome: () => text('{"todos":[]}'),
        spend: (call) => {
          if (call === 1) throw new Error("coordinator unavailable");
        },
      },
      async (store, world, deps) => {
        const run = await runToEnd(store, deps);
        expect(run).toMatchObject({ phase: "succeeded", attempts: 2 });
        expect(world.calls).toEqual(["todo.list"]);
        const actions = world.posted[0] as { result: string; errorMessage?: string }[];
        expect(actions).toEqual([expect.objectContaining({ result: "ok" })]);
        // Every answer was charged once, the first after its charge had failed.
        expect(run.usage.input).toBe(300);
      },
    );
  });
});

describe("waiting for a slot", () => {
  const busy = async () => ({ granted: false as const, reason: "concurrency" as const, detail: "all 4 slots busy" });

  it("leaves a tick's run to its wake-up (the next tick queues it again if the wake-up is lost)", async () => {
    await inRun({ replies: [], outcome: () => text("") }, async (store, _world, deps) => {
      const next = await advanceRun(store.activeHeader() as RunHeader, { ...deps, slots: { ...deps.slots, acquire: busy } });
      expect(next).toEqual({});
      expect(store.activeHeader()).toMatchObject({ phase: "queued", attempts: 0, error: "waiting: all 4 slots busy" });
    });
  });

  it("has a waiting manual run ask again later, since no tick will queue it again", async () => {
    await inRun({ replies: [], outcome: () => text("") }, async (store, _world, deps) => {
      store.saveHeader({ ...queued(), manual: true });
      const now = Date.now();
      const next = await advanceRun(store.activeHeader() as RunHeader, { ...deps, now: () => now, slots: { ...deps.slots, acquire: busy } });
      expect(next).toEqual({ alarmAt: now + MANUAL_RECHECK_MS });
      expect(store.activeHeader()).toMatchObject({ phase: "queued", manual: true });
    });
  });
});

describe("the tool schemas a run hands to the findings", () => {
  const sentSchemas = (store: RunStore, runId: string) => {
    const start = store.steps(runId).find((step) => step.type === "start");
    return start?.type === "start" ? Object.keys(start.schemas ?? {}) : undefined;
  };

  it("are sent again by the next run while a run's evidence has not reached the findings, and not once it has", async () => {
    await inRun({ replies: [], outcome: () => text("") }, async (store, _world, deps) => {
      const unreachable = { ...deps.ports.delivery, ingestEvidence: async () => Promise.reject(new Error("findings unavailable")) };
      await runToEnd(store, { ...deps, ports: { ...deps.ports, delivery: unreachable } });
      expect(store.outbox("run-1").find((entry) => entry.kind === "evidence")).toMatchObject({ status: "pending", lastError: expect.stringContaining("findings unavailable") });
      const schemas = sentSchemas(store, "run-1");
      expect(schemas).toHaveLength(1);

      store.saveHeader(queued("run-2"));
      await runToEnd(store, deps);
      expect(sentSchemas(store, "run-2")).toEqual(schemas);
      expect(store.outbox("run-2").find((entry) => entry.kind === "evidence")?.status).toBe("delivered");

      store.saveHeader(queued("run-3"));
      await runToEnd(store, deps);
      expect(sentSchemas(store, "run-3")).toEqual([]);
    });
  });
});
