/** @module A thousand personas dispatched once per slot and listed at a fixed cost per page; the queue starts runs oldest-due first. */
import { env, SELF } from "cloudflare:test";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Coordinator, coordinator } from "../src/coordinator/coordinator";
import type { PersonaSummary } from "../src/directory/summary";
import { userIdFor } from "./stack/auth/seed";
import { personaStub } from "../src/persona/wake";
import { diagTick, freshWorld, personaId, personas, send, stackJson } from "./helpers";
import { runsOf } from "./invariants";

const runner: Env = env;

beforeEach(() => freshWorld());

const seed = (count: number, prefix: string) => stackJson("/__stack/auth/seed", send("POST", { count, toolCalls: 3, prefix }));
const emailOf = (prefix: string, i: number) => `persona.${prefix}${i}@mana.test`;

async function acquires(): Promise<number> {
  const samples = await coordinator(runner.COORDINATOR).samples();
  return samples.find((sample) => sample.name === "persona_coordinator_requests_total" && sample.labels.method === "acquire")?.value ?? 0;
}

describe("a thousand personas", () => {
  it("are dispatched once per slot, cost the next tick nothing while they wait, and all appear across the status pages", { timeout: 120_000 }, async () => {
    await seed(1_000, "k");
    // With the budget spent every run waits in the coordinator's queue, so the test measures dispatch, not play.
    await coordinator(runner.COORDINATOR).spend(0, 1_000);
    const first = await diagTick();
    expect(first.result).toMatchObject({ due: 1_000, ranSuccessfully: 0, failed: [] });
    expect(first.result.skipped.map((entry) => entry.status)).toEqual(Array(1_000).fill("held"));
    const again = await diagTick();
    expect(again.result).toMatchObject({ due: 1_000, waiting: 1_000, skipped: [] });

    const listed = new Set<string>();
    for (let offset = 0; offset < 1_000; offset += 200) {
      const page = (await (await SELF.fetch(`http://runner.test/personas?offset=${offset}&limit=200&sort=email`)).json()) as { personas: PersonaSummary[]; total: number };
      expect(page.total).toBe(1_000);
      for (const persona of page.personas) {
        listed.add(persona.email);
        // One run per persona: the one the first tick queued, never a second one.
        expect(persona.activeRun?.runId, persona.email).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ-/);
        expect(persona.lastRun).toBeUndefined();
      }
    }
    expect(listed.size).toBe(1_000);

    const onPages = new Set<string>();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    for (let page = 1; page <= 20; page++) {
      const html = await (await SELF.fetch(`http://runner.test/?sort=email&page=${page}`)).text();
      for (const match of html.matchAll(/persona\.k\d+@mana\.test/g)) onPages.add(match[0]);
    }
    vi.restoreAllMocks();
    expect(onPages.size).toBe(1_000);
    expect(onPages.has(emailOf("k", 999))).toBe(true);
    // Each page asks the coordinator, the directory and the findings: a fixed number of calls, never one a persona.
    const pages = lines.map((line) => JSON.parse(line) as { event?: string; path?: string; subrequests?: number }).filter((line) => line.event === "http_request" && line.path === "/");
    expect(pages.map((line) => line.subrequests)).toEqual(Array(20).fill(4));
  });
});

describe("the queue", () => {
  it("starts waiting runs oldest-due first, not in the order they were queued, each asking for a slot once", { timeout: 60_000 }, async () => {
    const ids = new Map(await Promise.all(personas.map(async (persona) => [persona.name, await personaId(persona.name)] as const)));
    const weekdays = personas.filter((persona) => persona.tickCadence === "weekdays").map((persona) => persona.name);
    const daily = personas.filter((persona) => persona.tickCadence === "daily").map((persona) => persona.name);
    // Friday: the weekdays personas were active first, the daily ones an hour later.
    await activeAt("2026-11-20T08:00:00.000Z", weekdays.map((name) => ids.get(name) as string));
    await activeAt("2026-11-20T09:00:00.000Z", daily.map((name) => ids.get(name) as string));
    const hub = coordinator(runner.COORDINATOR);
    await hub.spend(0, 1_000);
    // Saturday: only the daily personas are due; their runs are queued and held for the budget.
    await stackJson("/__stack/auth/clock", send("PUT", { now: "2026-11-21T10:00:00.000Z" }));
    expect((await diagTick()).result.skipped.map((entry) => entry.status)).toEqual(Array(daily.length).fill("held"));
    // Monday: the weekdays personas are due too, and older due than everyone waiting; queued last all the same.
    await stackJson("/__stack/auth/clock", send("PUT", { now: "2026-11-23T10:00:00.000Z" }));
    expect((await diagTick()).result).toMatchObject({ waiting: daily.length, skipped: Array(weekdays.length).fill(expect.objectContaining({ status: "held" })) });

    const before = await acquires();
    await hub.spend(0, -1_000);
    await diagTick();
    const runs = await Promise.all(
      personas.map(async (persona) => {
        const userId = ids.get(persona.name) as string;
        const [run] = await runsOf(userId);
        return { name: persona.name, ...(await personaStub(runner, userId).runPhase(run?.runId as string, 30_000)), startedAt: (await runsOf(userId))[0]?.startedAt ?? 0 };
      }),
    );
    expect(runs.every((run) => run.phase === "succeeded" && run.attempts === 1)).toBe(true);
    expect((await acquires()) - before).toBe(personas.length);
    const started = [...runs].sort((a, b) => a.startedAt - b.startedAt).map((run) => run.name);
    // Two slots: the last of the older due may start together with the first of the younger, no later.
    expect(started.slice(0, weekdays.length - 1).every((name) => weekdays.includes(name)), started.join(", ")).toBe(true);
    expect(started.slice(weekdays.length + 1).every((name) => daily.includes(name)), started.join(", ")).toBe(true);
  });
});

describe("a budget reset", () => {
  afterEach(() => vi.useRealTimers());

  it("starts the runs it held over a window after midnight, QUEUE_WAKES_PER_SECOND at a time, oldest due first", async () => {
    // Fake time ahead of real time: the coordinator's one-second alarms fire only when the test runs them.
    const evening = Date.parse("2031-03-04T23:59:00.000Z");
    vi.useFakeTimers({ toFake: ["Date"], now: evening });
    const hub = coordinator(runner.COORDINATOR);
    await runInDurableObject(hub, (instance: Coordinator) => {
      const env = (instance as unknown as { env: Record<string, unknown> }).env;
      Object.assign(instance, { env: { ...env, PERSONA_CONCURRENCY: 50, QUEUE_WAKES_PER_SECOND: 5 } });
    });
    await hub.spend(0, 1_000);
    const userIds = Array.from({ length: 20 }, (_, i) => `held-${String(i).padStart(2, "0")}`);
    // Queued newest-due first, so the order they start in is the queue's, not the arrival's.
    const { held } = await hub.enqueue(userIds.toReversed().map((userId, i) => ({ userId, runId: `run-${userId}`, dueAt: evening - (20 - i) * 60_000 })));
    expect(held).toMatch(/daily budget \$\d+ spent/);
    const starting = async () => (await hub.states(userIds)).filter((state) => state.state === "starting").map((state) => state.userId);

    vi.setSystemTime(Date.parse("2031-03-05T00:00:30.000Z"));
    await hub.tickInfo();
    const waves = [await starting()];
    for (let second = 1; second < 4; second++) {
      vi.setSystemTime(Date.now() + 1_000);
      expect(await runDurableObjectAlarm(hub)).toBe(true);
      waves.push(await starting());
    }
    expect(waves.map((wave) => wave.length)).toEqual([5, 10, 15, 20]);
    expect(waves[0]).toEqual(userIds.slice(15));
    // The ramp ends with the queue: one more look finds nobody waiting and sets no further alarm.
    expect(await runDurableObjectAlarm(hub)).toBe(true);
    expect(await starting()).toHaveLength(20);
    expect(await runDurableObjectAlarm(hub)).toBe(false);
  });
});

async function activeAt(iso: string, userIds: string[]): Promise<void> {
  await stackJson("/__stack/auth/clock", send("PUT", { now: iso }));
  for (const userId of userIds) {
    await stackJson(`/api/v1/internal/personas/${userId}/actions`, {
      ...send("POST", { actions: [{ tickId: "earlier", toolName: "todo.list", result: "ok" }] }),
      headers: { "content-type": "application/json", "x-service-key": "dev-service-key" },
    });
  }
}
