/** @module Ticks against the stand-in stack: due personas run once and land their rows, cadence and weekdays, pause, read-back checks. */
import { createScheduledController, env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../src/index";
import { createApp } from "../src/http/app";
import { personaStub } from "../src/persona/wake";
import { READ_TOOLS } from "../src/verify/table";
import { claudeFaults, claudeStats, diagTick, executions, freshWorld, gates, personaId, personas, rows, SATURDAY, send, stackJson, WEDNESDAY } from "./helpers";
import { expectExactlyOnce, runsOf } from "./invariants";

beforeEach(() => freshWorld());

describe("a tick against the stand-in stack", () => {
  it("runs every due persona on a weekday and lands their actions and ratings", async () => {
    const tick = await diagTick();
    expect(tick.result).toMatchObject({ due: 10, ranSuccessfully: 10, failed: [] });
    for (const persona of personas) {
      const userId = await personaId(persona.name);
      const stored = await rows(userId);
      expect(stored.actions.length, persona.name).toBeGreaterThanOrEqual(3);
      expect(stored.feedback.length, persona.name).toBeGreaterThanOrEqual(1);
      expect(stored.actions.every((row) => /^[a-z]+\.[a-zA-Z]+$/.test(row.toolName))).toBe(true);
      expect(stored.actions.every((row) => /^[0-9a-f]{16}$/.test(row.inputHash ?? ""))).toBe(true);
      expect(stored.actions.every((row) => Number.isInteger(row.latencyMs))).toBe(true);
      await expectExactlyOnce(userId);
    }
  });

  it("runs nobody on a second tick right after", async () => {
    await diagTick();
    const again = await diagTick();
    expect(again.result.ranSuccessfully).toBe(0);
    expect(again.result.failed).toEqual([]);
  });

  it("does not re-run a persona whose run made no tool call", async () => {
    const anna = personas.find((p) => p.name === "Anna");
    await claudeFaults([{ fault: "max-tokens" }], anna?.systemPrompt.slice(0, 40));
    const first = await diagTick();
    expect(first.result.ranSuccessfully).toBe(10);
    const annaId = await personaId("Anna");
    expect((await rows(annaId)).actions).toHaveLength(0);
    // mana-auth still lists Anna as due: only the runner's own cooldown keeps her from running every minute.
    const due = await stackJson<{ personas: { userId: string }[] }>("/api/v1/internal/personas/due", { headers: { "x-service-key": "dev-service-key" } });
    expect(due.personas.map((p) => p.userId)).toContain(annaId);
    const runner: Env = env;
    const later = Date.now() + 120_000;
    await worker.scheduled(createScheduledController({ scheduledTime: later, cron: "* * * * *" }), runner);
    const status = (await (await SELF.fetch("http://runner.test/personas")).json()) as { personas: { userId: string; lastRun?: { runId: string } }[] };
    expect(status.personas.find((p) => p.userId === annaId)?.lastRun?.runId).toBe((await runsOf(annaId))[0]?.runId);
    expect(await runsOf(annaId)).toHaveLength(1);
  });
});

describe("read-after-write checks", () => {
  it("run in the app as reads only, exactly the reads each transcript records, and ask the model nothing", async () => {
    const tick = await diagTick();
    expect(tick.result.ranSuccessfully).toBe(10);
    const ran = await executions();
    let reads = 0;
    let modelRequests = 0;
    for (const persona of personas) {
      const userId = await personaId(persona.name);
      const [run] = await runsOf(userId);
      if (!run) throw new Error(`${persona.name} has no run`);
      const calls = run.transcript.conversation.actions.map((action) => action.toolName);
      const checks = run.transcript.verification.flatMap((step) => (step.read ? [step.read.tool] : []));
      expect(checks.every((tool) => READ_TOOLS.has(tool)), `${persona.name} verified with ${checks}`).toBe(true);
      // The app ran the persona's calls and the checks' reads, nothing else: no write was repeated or added.
      const executed = ran.filter((execution) => execution.userId === userId).map((execution) => execution.tool);
      expect(executed.toSorted(), persona.name).toEqual([...calls, ...checks].toSorted());
      reads += checks.length;
      modelRequests += run.transcript.conversation.turns + (run.transcript.rating ? 1 : 0);
    }
    expect(reads).toBeGreaterThan(0);
    expect((await claudeStats()).requests).toBe(modelRequests);
  });
});

describe.each([
  { day: "Saturday", clock: SATURDAY, due: 6 },
  { day: "Wednesday", clock: WEDNESDAY, due: 10 },
])("the date-sensitive rules with mana-auth's clock on a $day", ({ clock, due }) => {
  it(`lists ${due} personas, runs each once, and the weekdays personas only on a weekday`, async () => {
    await stackJson("/__stack/auth/clock", send("PUT", { now: clock }));
    const tick = await diagTick();
    expect(tick.result).toMatchObject({ due, ranSuccessfully: due, failed: [] });
    const weekdays = personas.filter((persona) => persona.tickCadence === "weekdays");
    expect(weekdays).toHaveLength(4);
    for (const persona of weekdays) {
      const stored = await rows(await personaId(persona.name));
      expect(stored.actions.length > 0, persona.name).toBe(due === 10);
    }
    expect((await diagTick()).result).toMatchObject({ due: 0, ranSuccessfully: 0, failed: [] });
  });
});

describe("the cron and the switches", () => {
  it("skips a malformed due entry with a clear error while the others run", async () => {
    await stackJson("/__stack/auth/due-extra", send("POST", { entries: [{ userId: "broken", email: "not-an-email", tickCadence: "daily" }] }));
    const tick = await diagTick();
    expect(tick.result).toMatchObject({ due: 11, ranSuccessfully: 10, failed: [] });
    expect(tick.result.invalid).toHaveLength(1);
    expect(tick.result.invalid[0]).toMatchObject({ index: 10, userId: "broken" });
    expect(tick.result.invalid[0]?.error).toMatch(/email/);
  });

  it("dispatches through the scheduled handler and returns before the runs finish", async () => {
    // The first two model requests (one per concurrency slot) hang until released: the handler must return anyway.
    await gates.claude.hold(2);
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env);
    expect((await gates.claude.held(2)).held).toBe(2);
    const ids = await Promise.all(personas.map((persona) => personaId(persona.name)));
    const runs = (await Promise.all(ids.map(runsOf))).map(([run]) => run);
    expect(runs.every((run) => run && !["succeeded", "failed"].includes(run.phase))).toBe(true);
    await gates.claude.release();
    for (const [index, userId] of ids.entries()) {
      const settled = await personaStub(env as unknown as Env, userId).runPhase(runs[index]?.runId as string, 60_000);
      expect(settled?.phase, personas[index]?.name).toBe("succeeded");
      expect((await rows(userId)).actions.length).toBeGreaterThan(0);
    }
  });

  it("runs nobody while paused at runtime, and again after resume", async () => {
    await SELF.fetch("http://runner.test/admin/pause", { method: "POST" });
    const paused = await diagTick();
    expect(paused.result).toMatchObject({ paused: true, due: 0, ranSuccessfully: 0 });
    expect(await (await SELF.fetch("http://runner.test/")).text()).toContain("Paused: no new runs start.");
    await SELF.fetch("http://runner.test/admin/resume", { method: "POST" });
    expect((await diagTick()).result.ranSuccessfully).toBe(10);
  });

  it("refuses to run in production with the dev seed secret", async () => {
    const app = createApp();
    const response = await app.fetch(new Request("http://runner.test/health"), { ...(env as object), ENVIRONMENT: "production" });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: expect.stringMatching(/PERSONA_SEED_SECRET is the dev fallback/) });
  });
});

describe("what a run records", () => {
  it("pairs parallel tool calls exactly and maps names both ways", async () => {
    await diagTick();
    let sawParallel = false;
    for (const persona of personas) {
      const [run] = await expectExactlyOnce(await personaId(persona.name));
      for (const message of run?.transcript.conversation.messages ?? []) {
        if (typeof message.content === "string") continue;
        const uses = message.content.filter((block) => block.type === "tool_use") as { name: string }[];
        if (uses.length > 1) sawParallel = true;
        for (const use of uses) expect(use.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      }
      for (const action of run?.transcript.conversation.actions ?? []) expect(action.toolName).toContain(".");
    }
    expect(sawParallel).toBe(true);
  });

  it("lands a tool failure as result error", async () => {
    const ben = personas.find((p) => p.name === "Ben");
    await claudeFaults([{ fault: "invalid-arg" }], ben?.systemPrompt.slice(0, 40));
    await diagTick();
    const stored = await rows(await personaId("Ben"));
    const failed = stored.actions.filter((row) => row.result === "error");
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed[0]?.errorMessage).toMatch(/MCP error -32602|Input validation|failed/);
  });

  it("records unparseable ratings as one __parse row", async () => {
    const sofia = personas.find((p) => p.name === "Sofia");
    await claudeFaults(
      Array.from({ length: 12 }, () => ({ fault: "malformed-rating" })),
      sofia?.systemPrompt.slice(0, 40),
    );
    await diagTick();
    const stored = await rows(await personaId("Sofia"));
    expect(stored.feedback.map((row) => row.module)).toEqual(["__parse"]);
  });
});
