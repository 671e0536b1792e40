import { abortAllDurableObjects, createScheduledController, env, evictDurableObject, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../src/env";
import worker from "../src/index";
import { personaStub } from "../src/persona/wake";
import { claudeFaults, diagTick, executions, freshWorld, personaId, personas, rows, send, stackJson } from "./helpers";
import { expectExactlyOnce, runsOf } from "./invariants";

const runner = env as unknown as Env;
const anna = personas.find((p) => p.name === "Anna") as (typeof personas)[number];
const annaMatch = anna.systemPrompt.slice(0, 40);

beforeEach(() => freshWorld());

async function authFault(route: string, status: number, times = 1) {
  await stackJson("/__stack/auth/faults", send("POST", { route, status, times }));
}

async function mcpFault(tool: string, kind: string, options: { times?: number; ms?: number; userId?: string } = {}) {
  await stackJson("/__stack/mcp/faults", send("POST", { tool, kind, ...options }));
}

async function annaRuns() {
  return runsOf(await personaId("Anna"));
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("fault matrix: Claude", () => {
  it("429 with retry-after: waits, succeeds, and sets the shared cooldown", async () => {
    await claudeFaults([1, 2, 3].map(() => ({ fault: "429", retryAfter: 1 })), annaMatch);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    const [run] = await expectExactlyOnce(await personaId("Anna"));
    expect(run?.phase).toBe("succeeded");
    const stats = await stackJson<{ byStatus: Record<string, number> }>("/__stack/claude/stats");
    expect(stats.byStatus["429"]).toBe(3);
  });

  it.each(["529", "500"])("%s: retried by the SDK, the run succeeds", async (fault) => {
    await claudeFaults([{ fault }, { fault }], annaMatch);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    await expectExactlyOnce(await personaId("Anna"));
  });

  it("timeout: a slow answer is abandoned and retried", async () => {
    await claudeFaults([{ fault: "delay", ms: 4_000 }], annaMatch);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    await expectExactlyOnce(await personaId("Anna"));
  });

  it("max_tokens stop mid-tool_use: the cut call never runs", async () => {
    await claudeFaults([{ fault: "max-tokens" }], annaMatch);
    await diagTick();
    const [run] = await expectExactlyOnce(await personaId("Anna"));
    expect(run?.transcript.conversation.ended).toBe("stop_reason max_tokens");
    expect(run?.transcript.conversation.actions).toEqual([]);
  });
});

describe("fault matrix: mana-mcp", () => {
  it("restart mid-run (session 404): one new session, the call runs once", async () => {
    await mcpFault("*", "restart-before");
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    await expectExactlyOnce(await personaId("Anna"));
  });

  it("tool reply lost (timeout): recorded as an error, never retried", async () => {
    await mcpFault("*", "lose-reply");
    await diagTick();
    const lost = await failedCallsOfAll(/effect unknown/);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.result).toBe("error");
  });

  it("tool timeout (reply slower than MCP_CALL_TIMEOUT_MS): recorded as effect unknown, never retried", async () => {
    await mcpFault("*", "slow", { ms: 4_000 });
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    const timedOut = await failedCallsOfAll(/effect unknown/);
    expect(timedOut).toHaveLength(1);
  });

  it("401 on a call: refused, recorded as an error, not retried", async () => {
    await mcpFault("*", "http-401");
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    const refused = await failedCallsOfAll(/HTTP 401/);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.result).toBe("error");
  });

  it("HTTP 500 on a call: recorded as an error of unknown effect, never resent, the run goes on", async () => {
    await mcpFault("*", "http-500");
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    const failed = await failedCallsOfAll(/HTTP 500/);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.errorMessage).toMatch(/effect unknown/);
  });
});

describe("fault matrix: mana-auth", () => {
  it("login 401: stops, names the likely cause, and does not try again", async () => {
    // A wrong seed secret fails every persona's login at once; each must stop after its one attempt.
    await authFault("login", 401, 10);
    const tick = await diagTick();
    expect(tick.result.failed).toHaveLength(10);
    for (const failure of tick.result.failed) expect(failure.error).toMatch(/PERSONA_SEED_SECRET/);
    const next = await diagTick();
    expect(next.result.ranSuccessfully).toBe(0);
    expect(next.result.skipped).toHaveLength(10);
    const status = (await (await SELF.fetch("http://runner.test/personas")).json()) as { personas: { email: string; loginBackoffReason?: string }[] };
    expect(status.personas.find((p) => p.email === anna.email)?.loginBackoffReason).toMatch(/INVALID_CREDENTIALS/);
    const stub = personaStub(runner, await personaId("Anna"));
    const persona = await stub.knownPersona();
    const again = await stub.dispatch({ persona: persona as NonNullable<typeof persona>, slot: "2099-01-01T00:00Z" });
    expect(again.status).toBe("login-backoff");
  });

  it("login 403 (a failure before the run starts): the next ticks wait an hour instead of logging in again", async () => {
    await authFault("login", 403, 10);
    const tick = await diagTick();
    expect(tick.result.failed).toHaveLength(10);
    for (const failure of tick.result.failed) expect(failure.error).toMatch(/EMAIL_NOT_VERIFIED/);
    for (const { name } of personas) {
      const stub = personaStub(runner, await personaId(name));
      const persona = await stub.knownPersona();
      const later = await stub.dispatch({ persona: persona as NonNullable<typeof persona>, slot: "2099-01-01T00:00Z" });
      expect(later).toMatchObject({ status: "cooldown", reason: expect.stringMatching(/failed before it started/) });
    }
  });

  it("login 200 without accessToken (JWT minting failed): a login failure with its reason, never the opaque token", async () => {
    await authFault("login", 200, 10);
    const tick = await diagTick();
    expect(tick.result.failed).toHaveLength(10);
    for (const failure of tick.result.failed) expect(failure.error).toMatch(/without an accessToken/);
    expect((await stackJson<{ sessionsOpened: number }>("/__stack/mcp/stats")).sessionsOpened).toBe(0);
  });

  it("429 lockout: waits the given time instead of hammering", async () => {
    for (let i = 0; i < 5; i++) {
      await stack("/api/v1/auth/login", send("POST", { email: anna.email, password: "wrong-password" }));
    }
    const tick = await diagTick();
    expect(tick.result.failed.map((f) => f.persona)).toEqual([anna.email]);
    expect(tick.result.failed[0]?.error).toMatch(/ACCOUNT_LOCKED/);
    const runs = await annaRuns();
    expect(runs[0]?.phase).toBe("failed");
  });

  it("due list 500: the tick reports the error and dispatches nothing", async () => {
    await authFault("due", 500, 3);
    const tick = await diagTick();
    expect(tick.result.error).toMatch(/500/);
    expect(tick.result.ranSuccessfully).toBe(0);
    const next = await diagTick();
    expect(next.result.due).toBe(10);
  });

  it("actions 500 three times then OK: delivered once, identical batch", async () => {
    await authFault("actions", 500, 3);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    for (const persona of personas) await expectExactlyOnce(await personaId(persona.name));
  });

  it("actions 401 (service key rotated mid-flight): kept in the outbox and retried, not parked", async () => {
    await authFault("actions", 401, 1);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    for (const persona of personas) await expectExactlyOnce(await personaId(persona.name));
  });

  it("feedback 500: retried from the outbox until it lands", async () => {
    await authFault("feedback", 500, 4);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    for (const persona of personas) expect((await rows(await personaId(persona.name))).feedback.length).toBeGreaterThan(0);
  });

  it("persona 404: the run ends failed with the reason, nothing retried forever", async () => {
    await authFault("actions", 404, 1);
    const tick = await diagTick();
    expect(tick.result.failed).toHaveLength(1);
    expect(tick.result.failed[0]?.error).toMatch(/no longer exists/);
  });
});

describe("fault matrix: platform", () => {
  it("DO evicted between two tool calls: resumes from the checkpoint, nothing runs twice", async () => {
    await claudeFaults([{ fault: "delay", ms: 1 }, { fault: "delay", ms: 3_000 }], annaMatch);
    const annaId = await personaId("Anna");
    const ticking = diagTick();
    const stub = personaStub(runner, annaId);
    await waitFor(async () => ((await runsOf(annaId))[0]?.transcript.conversation.actions.length ?? 0) > 0 || undefined, "first tool call");
    await evictDurableObject(stub);
    const persona = await stub.knownPersona();
    await stub.dispatch({ persona: persona as NonNullable<typeof persona>, slot: (await runsOf(annaId))[0]?.slot as string });
    await runDurableObjectAlarm(stub);
    const tick = await ticking;
    expect(tick.result.failed.filter((f) => f.persona === anna.email && !/still/.test(f.error))).toEqual([]);
    await waitFor(async () => ((await runsOf(annaId))[0]?.phase === "succeeded" ? true : undefined), "run to finish");
    await expectExactlyOnce(annaId);
  });

  it("alarm aborted with a tool call in flight: retried, the call answered as interrupted, never re-run", async () => {
    await claudeFaults([{ fault: "delay", ms: 1 }], annaMatch);
    const annaId = await personaId("Anna");
    await mcpFault("*", "slow", { ms: 2_500, userId: annaId });
    const ticking = diagTick();
    const stub = personaStub(runner, annaId);
    await waitFor(async () => ((await runsOf(annaId))[0]?.transcript.conversation.inflight ? true : undefined), "a tool call in flight");
    // A crash, not a graceful eviction: every instance dies mid-request, storage stays.
    await abortAllDurableObjects();
    const persona = await stub.knownPersona();
    await stub.dispatch({ persona: persona as NonNullable<typeof persona>, slot: (await runsOf(annaId))[0]?.slot as string });
    await runDurableObjectAlarm(stub);
    await ticking.catch(() => undefined);
    await waitFor(async () => ((await runsOf(annaId))[0]?.phase === "succeeded" ? true : undefined), "run to finish");
    const [run] = await expectExactlyOnce(annaId);
    const interrupted = (run?.transcript.conversation.actions ?? []).filter((action) => /interrupted/.test(action.errorMessage ?? ""));
    expect(interrupted).toHaveLength(1);
    const ran = (await executions()).filter((e) => e.userId === annaId && e.tool === interrupted[0]?.toolName);
    expect(ran.length).toBeLessThanOrEqual((run?.transcript.conversation.actions ?? []).filter((a) => a.toolName === interrupted[0]?.toolName).length);
    // The crash hit every persona's run; each must come back through its alarm and finish.
    for (const persona of personas) {
      const userId = await personaId(persona.name);
      await waitFor(async () => ((await runsOf(userId)).every((r) => r.phase === "succeeded") ? true : undefined), `${persona.name} to finish`);
      await expectExactlyOnce(userId);
    }
  });

  it("duplicate dispatch: a second dispatch of the same slot is refused, one run, one set of rows", async () => {
    const first = await diagTick();
    expect(first.result).toMatchObject({ ranSuccessfully: 10, failed: [], skipped: [] });
    const annaId = await personaId("Anna");
    const stub = personaStub(runner, annaId);
    const persona = await stub.knownPersona();
    const slot = (await runsOf(annaId))[0]?.slot as string;
    expect((await stub.dispatch({ persona: persona as NonNullable<typeof persona>, slot })).status).toBe("duplicate");
    expect(await runsOf(annaId)).toHaveLength(1);
    await expectExactlyOnce(annaId);
  });

  it("duplicate cron: the same minute fired twice at once runs every persona once", async () => {
    const scheduledTime = Date.now();
    await Promise.all([1, 2].map(() => worker.scheduled(createScheduledController({ scheduledTime, cron: "* * * * *" }), runner)));
    for (const persona of personas) {
      const userId = await personaId(persona.name);
      await waitFor(async () => ((await runsOf(userId))[0]?.phase === "succeeded" ? true : undefined), `${persona.name} to finish`);
      expect(await runsOf(userId)).toHaveLength(1);
      await expectExactlyOnce(userId);
    }
  });
});

function stack(path: string, init: RequestInit) {
  return (env as unknown as { STACK: Fetcher }).STACK.fetch(`http://stack.test${path}`, init);
}

/** Asserts every persona's calls landed exactly once, then gives the calls of all runs whose error matches. */
async function failedCallsOfAll(pattern: RegExp) {
  const runs = await Promise.all(personas.map(async (p) => expectExactlyOnce(await personaId(p.name))));
  return runs.flat().flatMap((run) => run.transcript.conversation.actions ?? []).filter((action) => pattern.test(action.errorMessage ?? ""));
}
