/** @module Shared e2e helpers: fresh storage and a seeded stand-in on a fixed clock, diag ticks, stored rows, executions and hold gates. */
import { env, reset, SELF } from "cloudflare:test";
import { vi } from "vitest";
import catalog from "./stack/catalog.json";
import type { RunHeader } from "../src/persona/store";
import { userIdFor } from "./stack/auth/seed";

export const stack = env.STACK;

/** A Tuesday, so every persona's cadence allows it to be due. */
export const WEEKDAY = "2026-11-24T09:00:00.000Z";
export const SATURDAY = "2026-11-28T09:00:00.000Z";
export const WEDNESDAY = "2026-11-25T09:00:00.000Z";

export async function stackJson<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await stack.fetch(`http://stack.test${path}`, init);
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const send = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** Fresh storage for every binding, then a freshly seeded stand-in on a fixed weekday clock. */
export async function freshWorld(clock = WEEKDAY): Promise<void> {
  await reset();
  await stackJson("/__stack/reset", send("POST"));
  await stackJson("/__stack/auth/clock", send("PUT", { now: clock }));
}

/**
 * Fresh storage and stand-in on a faked clock that the runner and the stand-ins share (mana-auth's due list follows
 * it); pick a start behind real time, so the objects' alarms, which the runtime fires by real time, are due at once.
 */
export async function freshWorldAt(start: number): Promise<void> {
  await freshWorld();
  vi.useFakeTimers({ toFake: ["Date"], now: start, shouldAdvanceTime: true });
  await stackJson("/__stack/auth/clock", send("PUT", { now: null }));
}

export interface TickResponse {
  ok: boolean;
  result: {
    tickId: string;
    paused: boolean;
    due: number;
    ranSuccessfully: number;
    failed: { persona: string; error: string }[];
    skipped: { persona: string; status: string; reason?: string }[];
    invalid: { index: number; userId?: string; error: string }[];
    error?: string;
  };
}

export async function diagTick(): Promise<TickResponse> {
  const response = await SELF.fetch("http://runner.test/diag/tick", { method: "POST" });
  return (await response.json()) as TickResponse;
}

export interface StoredAction {
  id: string;
  tickId: string;
  toolName: string;
  inputHash?: string;
  result: "ok" | "error";
  errorMessage?: string;
  latencyMs?: number;
}

export interface StoredFeedback {
  id: string;
  tickId: string;
  module: string;
  rating: number;
  notes?: string;
}

export function rows(userId: string): Promise<{ actions: StoredAction[]; feedback: StoredFeedback[]; sessions: number }> {
  return stackJson(`/__stack/auth/rows?userId=${userId}`);
}

export interface Execution {
  tool: string;
  userId: string;
  space: string;
  args: unknown;
}

export async function executions(): Promise<Execution[]> {
  return (await stackJson<{ executions: Execution[] }>("/__stack/mcp/executions")).executions;
}

export const personas = catalog.personas;

export async function personaId(name: string): Promise<string> {
  const persona = personas.find((p) => p.name === name);
  if (!persona) throw new Error(`no persona ${name}`);
  return userIdFor(persona.email);
}

type DefectState = Record<string, unknown>;

/** Switches the stand-ins' defect modes (README, "Defect modes"): the keys given are set, each answers its whole state. */
export const defects = {
  mcp: (body: DefectState) => stackJson<DefectState>("/__stack/mcp/defects", send("PUT", body)),
  claude: (body: DefectState) => stackJson<DefectState>("/__stack/claude/defects", send("PUT", body)),
  auth: (body: DefectState) => stackJson<DefectState>("/__stack/auth/defects", send("PUT", body)),
};

export async function claudeFaults(faults: unknown[], match?: string): Promise<void> {
  await stackJson("/__stack/claude/faults", send("POST", { faults, ...(match ? { match } : {}) }));
}

/** Event-driven gates of the stand-ins: a held request waits until released, and `held` answers once it waits. */
export const gates = {
  claude: {
    hold: (times = 1, match?: string) => claudeFaults(Array.from({ length: times }, () => ({ fault: "hold" })), match),
    held: (atLeast = 1, waitMs = 20_000) => stackJson<{ held: number }>(`/__stack/claude/held?atLeast=${atLeast}&waitMs=${waitMs}`),
    release: () => stackJson<{ released: number }>("/__stack/claude/release", send("POST")),
  },
  mcp: {
    hold: (options: { times?: number; userId?: string; tool?: string } = {}) =>
      stackJson("/__stack/mcp/faults", send("POST", { tool: options.tool ?? "*", kind: "hold", times: options.times ?? 1, ...(options.userId ? { userId: options.userId } : {}) })),
    held: (atLeast = 1, waitMs = 20_000) => stackJson<{ held: number }>(`/__stack/mcp/held?atLeast=${atLeast}&waitMs=${waitMs}`),
    release: () => stackJson<{ released: number }>("/__stack/mcp/release", send("POST")),
  },
};

export interface ClaudeStats {
  requests: number;
  received: number;
  receivedBySystem: Record<string, number>;
  byStatus: Record<string, number>;
  log: { status: number; tools: string[]; usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number } | null; system: string }[];
  usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number };
}

export const claudeStats = () => stackJson<ClaudeStats>("/__stack/claude/stats");

/** A run of `userId` that succeeded a second after `at`, for tests that fill a persona's store directly. */
export function finishedRun(runId: string, userId: string, at: number): RunHeader {
  return {
    runId,
    tickId: runId,
    slot: "2026-11-01T00:00Z",
    manual: false,
    persona: { userId, email: "probe@mana.test", archetype: "probe", systemPrompt: "probe", moduleMix: {}, tickCadence: "daily" },
    phase: "succeeded",
    attempts: 1,
    createdAt: at,
    startedAt: at,
    finishedAt: at + 1_000,
    usage: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
    costUsd: 0,
  } as RunHeader;
}
