/** @module The run store: the first version's storage closed, delivered and migrated once; steps numbered and facts kept across restarts; the summary's runs; usage stored before 1-hour cache writes read as none; unreadable outbox bodies parked. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { INTERRUPTED } from "../claude/loop";
import { RunStore } from "./store";
import { replay } from "./transcript";
import { personaStub } from "./wake";

const runner: Env = env;

/** The first version's schema: each run one JSON document, the outbox without the time an entry was written. */
const FIRST_SCHEMA = `DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS steps; DROP TABLE IF EXISTS outbox; DROP TABLE IF EXISTS facts;
  CREATE TABLE runs (run_id TEXT PRIMARY KEY, phase TEXT NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER, doc TEXT NOT NULL);
  CREATE INDEX runs_by_created ON runs (created_at);
  CREATE TABLE outbox (run_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (run_id, kind));
  CREATE TABLE facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);`;

const persona = { userId: "u1", email: "persona.probe@mana.test", archetype: "probe", tickCadence: "daily" };
/** As the first version stored it: before 1-hour cache writes were counted apart. */
const usage = { input: 1200, output: 300, cacheWrite: 0, cacheRead: 0 };
const DAY = 86_400_000;

interface FirstVersionRun {
  runId: string;
  phase: string;
  createdAt: number;
  finishedAt?: number;
  [field: string]: unknown;
}

function firstVersionRun(runId: string, fields: { phase: string; createdAt: number; [field: string]: unknown }): FirstVersionRun {
  return { runId, tickId: runId, slot: runId, manual: false, persona, attempts: 1, usage, costUsd: 0.01, ...fields };
}

function insert(sql: SqlStorage, run: FirstVersionRun): void {
  sql.exec("INSERT INTO runs VALUES (?, ?, ?, ?, ?)", run.runId, run.phase, run.createdAt, run.finishedAt ?? null, JSON.stringify(run));
}

describe("storage written by the first version", () => {
  it("closes a run left mid-turn: its recorded calls and the one in flight go to mana-auth, the run delivers", async () => {
    await runInDurableObject(personaStub(runner, `store-test-${crypto.randomUUID()}`), async (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(FIRST_SCHEMA);
      const now = Date.now();
      insert(sql, firstVersionRun("old-done", { phase: "succeeded", createdAt: now - 2 * DAY, startedAt: now - 2 * DAY, finishedAt: now - 2 * DAY + 60_000 }));
      insert(sql, firstVersionRun("old-unstarted", { phase: "failed", createdAt: now - DAY, finishedAt: now - DAY + 1_000, failedBeforeStart: true }));
      insert(
        sql,
        firstVersionRun("old-open", {
          phase: "main",
          createdAt: now - 60_000,
          startedAt: now - 59_000,
          loop: {
            messages: [],
            turns: 2,
            usage,
            pendingResults: [],
            actions: [{ toolName: "todo.list", result: "ok", inputHash: "ab12", latencyMs: 41.6, module: "todo" }],
            inflight: { toolUseId: "toolu_2", toolName: "todo.create", module: "todo" },
          },
        }),
      );
      sql.exec("INSERT INTO outbox (run_id, kind, body, status, next_at) VALUES ('old-done', 'feedback', '[]', 'pending', ?)", now);

      const store = new RunStore(sql);

      expect(store.header("old-open")).toMatchObject({ phase: "delivering", failure: "interrupted by the runner's storage upgrade", usage: { ...usage, cacheWrite1h: 0 }, costUsd: 0.01 });
      expect(store.header("old-open")).not.toHaveProperty("loop");
      const [actions] = store.outbox("old-open");
      expect(actions).toMatchObject({ kind: "actions", status: "pending" });
      expect(actions?.body).toEqual([
        { tickId: "old-open", toolName: "todo.list", result: "ok", inputHash: "ab12", latencyMs: 42 },
        { tickId: "old-open", toolName: "todo.create", result: "error", latencyMs: 0, errorMessage: INTERRUPTED },
      ]);
      // The old entry's week before it is parked starts at the upgrade.
      expect(store.outbox("old-done")[0]?.createdAt).toBeGreaterThanOrEqual(now);
      // Cadence keeps reading the old runs.
      expect(store.lastFinishedAt()).toBe(now - 2 * DAY + 60_000);
      expect(store.lastUnstartedFailureAt()).toBe(now - DAY + 1_000);
      expect(store.activeHeader()?.runId).toBe("old-open");
    });
  });

  it("migrates once: a second start leaves the closed run and its batch as they are", async () => {
    await runInDurableObject(personaStub(runner, `store-test-${crypto.randomUUID()}`), async (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(FIRST_SCHEMA);
      const loop = { messages: [], turns: 1, usage, pendingResults: [], actions: [{ toolName: "todo.list", result: "ok", inputHash: "ab12", latencyMs: 5 }] };
      insert(sql, firstVersionRun("old-open", { phase: "rating", createdAt: Date.now(), startedAt: Date.now(), loop, rating: { feedback: [{ module: "todo", rating: 4 }] } }));

      const first = new RunStore(sql);
      const batches = first.outbox("old-open");
      expect(batches.map((entry) => entry.kind)).toEqual(["actions", "feedback"]);
      const again = new RunStore(sql);
      expect(again.outbox("old-open")).toEqual(batches);
      expect(again.header("old-open")?.phase).toBe("delivering");
    });
  });
});

describe("steps and facts", () => {
  const step = (text: string) => ({ type: "rating" as const, text, feedback: [], dropped: [], usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 } });

  it("numbers a run's steps in order across a restarted object and between runs, as replay reads them", async () => {
    await runInDurableObject(personaStub(runner, `store-test-${crypto.randomUUID()}`), async (_instance, state) => {
      const first = new RunStore(state.storage.sql);
      first.appendStep("r1", step("a"));
      first.appendStep("r2", step("x"));
      first.appendStep("r1", step("b"));
      const restarted = new RunStore(state.storage.sql);
      restarted.appendStep("r1", step("c"));
      expect(restarted.steps("r1").map((each) => (each as { text: string }).text)).toEqual(["a", "b", "c"]);
      restarted.appendStep("r1", step("d"));
      expect(new RunStore(state.storage.sql).steps("r1").map((each) => (each as { text: string }).text)).toEqual(["a", "b", "c", "d"]);
    });
  });

  it("keeps facts across a restarted object, a deleted one gone", async () => {
    await runInDurableObject(personaStub(runner, `store-test-${crypto.randomUUID()}`), async (_instance, state) => {
      const store = new RunStore(state.storage.sql);
      store.setFact("lastSlot", "2026-11-24T09:00Z");
      store.setFact("crashes", "2");
      store.deleteFact("crashes");
      const restarted = new RunStore(state.storage.sql);
      expect(restarted.fact("lastSlot")).toBe("2026-11-24T09:00Z");
      expect(restarted.fact("crashes")).toBeUndefined();
    });
  });
});

describe("the persona's summary", () => {
  it("sums today's runs and names the last ended and the active one, however many older runs are kept", async () => {
    await runInDurableObject(personaStub(runner, `store-test-${crypto.randomUUID()}`), async (instance, state) => {
      const store = new RunStore(state.storage.sql);
      const now = Date.now();
      const header = (runId: string, createdAt: number, phase: string, costUsd: number) =>
        ({ ...firstVersionRun(runId, { phase, createdAt }), usage: { input: 100, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 }, costUsd }) as never;
      for (let day = 1; day <= 40; day++) store.saveHeader(header(`old-${day}`, now - day * DAY, "succeeded", 1));
      store.saveHeader(header("today-ended", now, "failed", 0.25));
      store.saveHeader(header("today-active", now + 1, "main", 0.5));
      const summary = (instance as unknown as { summary(): { costTodayUsd: number; tokensToday: number; lastRun?: { runId: string }; activeRun?: { runId: string } } }).summary();
      expect(summary).toMatchObject({ costTodayUsd: 0.75, tokensToday: 200, lastRun: { runId: "today-ended" }, activeRun: { runId: "today-active" } });
    });
  });
});

describe("usage stored before 1-hour cache writes were counted apart", () => {
  it("reads as none in the run's header and in its response and rating steps, so sums stay numbers", async () => {
    await runInDurableObject(personaStub(runner, `store-test-${crypto.randomUUID()}`), async (_instance, state) => {
      const store = new RunStore(state.storage.sql);
      const header = { ...firstVersionRun("r1", { phase: "main", createdAt: 1 }), usage: { input: 5, output: 1, cacheWrite: 2, cacheRead: 3 } };
      state.storage.sql.exec("INSERT INTO runs (run_id, phase, created_at, doc) VALUES ('r1', 'main', 1, ?)", JSON.stringify(header));
      const response = { type: "response", content: [], stopReason: "end_turn", usage: { input: 5, output: 1, cacheWrite: 2, cacheRead: 3 } };
      const rating = { type: "rating", text: "{}", feedback: [], dropped: [], usage: { input: 1, output: 1, cacheWrite: 0, cacheRead: 9 } };
      state.storage.sql.exec("INSERT INTO steps VALUES ('r1', 1, 'response', ?), ('r1', 2, 'rating', ?)", JSON.stringify(response), JSON.stringify(rating));

      expect(store.header("r1")?.usage).toEqual({ input: 5, output: 1, cacheWrite: 2, cacheWrite1h: 0, cacheRead: 3 });
      expect(store.activeHeader()?.usage.cacheWrite1h).toBe(0);
      expect(replay(store.steps("r1")).usage).toEqual({ input: 6, output: 2, cacheWrite: 2, cacheWrite1h: 0, cacheRead: 12 });
    });
  });
});

describe("the outbox", () => {
  it("parks an entry whose stored body no longer parses, with the reason, and hands out the others", async () => {
    await runInDurableObject(personaStub(runner, `store-test-${crypto.randomUUID()}`), async (_instance, state) => {
      const store = new RunStore(state.storage.sql);
      store.enqueue("run-a", "actions", [{ tickId: "run-a", toolName: "todo.list", result: "ok" }], 1);
      state.storage.sql.exec("INSERT INTO outbox (run_id, kind, body, status, next_at, created_at) VALUES ('run-a', 'feedback', '{not json', 'pending', 0, 0)");

      expect(store.dueEntries(10).map((entry) => `${entry.runId}/${entry.kind}`)).toEqual(["run-a/actions"]);
      expect(store.outbox("run-a").map(({ kind, status }) => `${kind}:${status}`)).toEqual(["actions:pending", "feedback:dead"]);
      const row = state.storage.sql.exec<{ last_error: string }>("SELECT last_error FROM outbox WHERE kind = 'feedback'").one();
      expect(row.last_error).toMatch(/^stored body unreadable: .*JSON/);
    });
  });
});
