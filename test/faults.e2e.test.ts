/** @module The fault matrix: Claude, mana-mcp, mana-auth and platform faults (eviction, crash, duplicate dispatch), every call landing once. */
import { abortAllDurableObjects, createScheduledController, env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { coordinator } from "../src/coordinator/coordinator";
import worker from "../src/index";
import { personaStub } from "../src/persona/wake";
import { claudeFaults, claudeStats, diagTick, executions, freshWorld, gates, personaId, personas, rows, send, stackJson } from "./helpers";
import { expectExactlyOnce, runsOf } from "./invariants";

const runner: Env = env;
const anna = personas.find((p) => p.name === "Anna") as (typeof personas)[number];
const annaMatch = anna.systemPrompt.slice(0, 40);

beforeEach(() => freshWorld());

async function authFault(route: string, status: number, times = 1) {
  await stackJson("/__stack/auth/faults", send("POST", { route, status, times }));
}

async function mcpFault(tool: string, kind: string, options: { times?: number; userId?: string } = {}) {
  await stackJson("/__stack/mcp/faults", send("POST", { tool, kind, ...options }));
}

async function annaRuns() {
  return runsOf(await personaId("Anna"));
}

/** Waits, without polling, until the run moves on from `known` (another phase, attempt or error) or settles. */
async function nextState(userId: string, runId: string, known?: { phase: string; attempts: number; error?: string }) {
  const state = await personaStub(runner, userId).runPhase(runId, 30_000, known as never);
  if (!state) throw new Error(`no run ${runId}`);
  return state;
}

async function settledRun(userId: string) {
  const [run] = await runsOf(userId);
  if (!run) throw new Error(`no run of ${userId}`);
  return nextState(userId, run.runId);
}

const systemKey = anna.systemPrompt.slice(0, 60);

describe("fault matrix: Claude", () => {
  it("429 with retry-after: waits, succeeds, and sets the shared cooldown", async () => {
    await claudeFaults([1, 2, 3].map(() => ({ fault: "429", retryAfter: 1 })), annaMatch);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    const [run] = await expectExactlyOnce(await personaId("Anna"));
    expect(run?.phase).toBe("succeeded");
    const stats = await stackJson<{ byStatus: Record<string, number> }>("/__stack/claude/stats");
    expect(stats.byStatus["429"]).toBe(3);
    expect(run?.attempts).toBe(2);
    expect((await coordinator(runner.COORDINATOR).status()).cooldownUntil).toBeGreaterThan(0);
  });

  it.each(["529", "500"])("%s: retried by the SDK, the run succeeds", async (fault) => {
    await claudeFaults([{ fault }, { fault }], annaMatch);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    await expectExactlyOnce(await personaId("Anna"));
  });

  it("timeout: a slow answer is abandoned and retried", async () => {
    await gates.claude.hold(1, annaMatch);
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    // The first request still hangs in the stand-in: the SDK gave up on it after CLAUDE_TIMEOUT_MS and sent it again.
    expect((await gates.claude.held(1, 0)).held).toBe(1);
    const stats = await claudeStats();
    const answered = stats.log.filter((entry) => entry.system === systemKey).length;
    expect(stats.receivedBySystem[systemKey]).toBe(answered + 1);
    const [run] = await expectExactlyOnce(await personaId("Anna"));
    expect(run?.phase).toBe("succeeded");
    expect(run?.attempts).toBe(1);
    await gates.claude.release();
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
    await gates.mcp.hold();
    const tick = await diagTick();
    expect(tick.result.failed).toEqual([]);
    const timedOut = await failedCallsOfAll(/effect unknown/);
    expect(timedOut).toHaveLength(1);
    expect((await gates.mcp.held(1, 0)).held).toBe(1);
    await gates.mcp.release();
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
  it("DO evicted between two tool calls: resumes from the checkpoint in a fresh instance, nothing runs twice", async () => {
    // The second model request fails three times (the SDK's two retries included): the run ends its invocation
    // after its first tool call and waits for its retry alarm, and the object is evicted meanwhile.
    await claudeFaults([{ fault: "delay", ms: 0 }, { fault: "500" }, { fault: "500" }, { fault: "500" }], annaMatch);
    const annaId = await personaId("Anna");
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), runner);
    const [queued] = await runsOf(annaId);
    const runId = queued?.runId as string;
    let state = await nextState(annaId, runId, { phase: "queued", attempts: 0, error: queued?.error });
    while (!/Claude 500/.test(state.error ?? "")) state = await nextState(annaId, runId, state);
    expect(state).toMatchObject({ phase: "main", attempts: 1 });
    const before = await runsOf(annaId);
    expect(before[0]?.transcript.conversation.actions.length).toBeGreaterThan(0);
    // The retry is made due later, so it cannot run before the eviction; the old instance is marked, so the
    // resumed attempt provably runs in a new one.
    await runInDurableObject(personaStub(runner, annaId), async (instance, state) => {
      Object.assign(instance, { evictionMarker: true });
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    await evictDurableObject(personaStub(runner, annaId));
    await runInDurableObject(personaStub(runner, annaId), (instance) => expect(instance).not.toHaveProperty("evictionMarker"));
    expect(await runDurableObjectAlarm(personaStub(runner, annaId))).toBe(true);
    const done = await nextState(annaId, runId);
    expect(done).toMatchObject({ phase: "succeeded", attempts: 2 });
    const [run] = await expectExactlyOnce(annaId);
    // Resumed from the stored steps: the calls made before the eviction are the same records, not made again.
    const first = before[0]?.transcript.conversation.actions ?? [];
    expect(run?.transcript.conversation.actions.slice(0, first.length)).toEqual(first);
    expect(run?.transcript.conversation.messages.slice(0, 2)).toEqual(before[0]?.transcript.conversation.messages.slice(0, 2));
  });

  it("alarm aborted with a tool call in flight: retried, the call answered as interrupted, never re-run", async () => {
    const annaId = await personaId("Anna");
    await gates.mcp.hold({ userId: annaId });
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), runner);
    await gates.mcp.held(1);
    // A crash, not a graceful eviction: every instance dies mid-request (the stand-in's too), storage stays.
    await abortAllDurableObjects();
    // Every run the crash hit comes back through its alarm (re-armed by a dispatch if the platform's retry is
    // not scheduled yet) and finishes.
    for (const persona of personas) {
      const userId = await personaId(persona.name);
      const [run] = await runsOf(userId);
      if (!run) continue;
      const stub = personaStub(runner, userId);
      await stub.dispatch({ persona: (await stub.knownPersona()) as NonNullable<Awaited<ReturnType<typeof stub.knownPersona>>>, slot: run.slot });
      await runDurableObjectAlarm(personaStub(runner, userId));
      expect((await settledRun(userId)).phase, persona.name).toBe("succeeded");
      await expectExactlyOnce(userId);
    }
    const [run] = await runsOf(annaId);
    const interrupted = (run?.transcript.conversation.actions ?? []).filter((action) => /interrupted/.test(action.errorMessage ?? ""));
    expect(interrupted).toHaveLength(1);
    // The call may have run before the crash (the invariant above allows one execution per recorded call), but
    // it was never sent again.
    const ran = (await executions()).filter((execution) => execution.userId === annaId && execution.tool === interrupted[0]?.toolName);
    const reads = (run?.transcript.verification ?? []).filter((step) => step.read?.tool === interrupted[0]?.toolName).length;
    const calls = (run?.transcript.conversation.actions ?? []).filter((action) => action.toolName === interrupted[0]?.toolName).length;
    expect(ran.length).toBeLessThanOrEqual(calls + reads);
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
      expect((await settledRun(userId)).phase, persona.name).toBe("succeeded");
      expect(await runsOf(userId)).toHaveLength(1);
      await expectExactlyOnce(userId);
    }
  });
});

function stack(path: string, init: RequestInit) {
  return env.STACK.fetch(`http://stack.test${path}`, init);
}

/** Asserts every persona's calls landed exactly once, then gives the calls of all runs whose error matches. */
async function failedCallsOfAll(pattern: RegExp) {
  const runs = await Promise.all(personas.map(async (p) => expectExactlyOnce(await personaId(p.name))));
  return runs.flat().flatMap((run) => run.transcript.conversation.actions).filter((action) => pattern.test(action.errorMessage ?? ""));
}
