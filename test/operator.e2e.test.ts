/** @module Operator guarantees: the dollar budget, denied tools, cache reads, transcripts and retention, closed deploys, no secrets in logs. */
import { createScheduledController, env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_TOOL_DENY } from "../src/config";
import { coordinator } from "../src/coordinator/coordinator";
import { createApp } from "../src/http/app";
import worker from "../src/index";
import { derivePersonaPassword } from "../src/mana/password";
import { personaStub } from "../src/persona/wake";
import { RunStore } from "../src/persona/store";
import { type ClaudeStats, diagTick, executions, finishedRun, freshWorld, personaId, personas, stackJson } from "./helpers";
import { runsOf } from "./invariants";

const DENIED: ReadonlySet<string> = new Set(DEFAULT_TOOL_DENY);

const runner: Env = env;

beforeEach(() => freshWorld());
afterEach(() => vi.restoreAllMocks());

describe("cost control", () => {
  it("holds every due persona with the reason once the daily budget is spent, without calling Claude", async () => {
    await coordinator(runner.COORDINATOR).spend(10_000_000, 30);
    const tick = await diagTick();
    expect(tick.result).toMatchObject({ due: 10, ranSuccessfully: 0, failed: [] });
    expect(tick.result.skipped.map((entry) => entry.status)).toEqual(Array(10).fill("held"));
    expect(tick.result.skipped[0]?.reason).toMatch(/daily budget \$10 spent/);
    const { personas: listed } = (await (await SELF.fetch("http://runner.test/personas")).json()) as {
      personas: { email: string; activeRun?: { phase: string }; live?: { state: string; detail?: string } }[];
    };
    const anna = listed.find((persona) => persona.email === "persona.anna@mana.test");
    expect(anna?.activeRun).toMatchObject({ phase: "queued" });
    expect(anna?.live).toMatchObject({ state: "queued", detail: expect.stringMatching(/^daily budget \$10 spent/) });
    expect((await stackJson<ClaudeStats>("/__stack/claude/stats")).requests).toBe(0);
  });

  it("never offers a denied tool, and the tool list is the same on every request", async () => {
    await diagTick();
    const stats = await stackJson<ClaudeStats>("/__stack/claude/stats");
    const withTools = stats.log.filter((entry) => entry.tools.length > 0);
    expect(withTools.length).toBeGreaterThan(10);
    for (const entry of withTools) {
      expect(entry.tools).toContain("todo_create");
      expect(entry.tools).toContain("comic_createStory");
      expect(entry.tools.filter((name) => DENIED.has(name.replace("_", ".")))).toEqual([]);
      expect(entry.tools).toEqual(withTools[0]?.tools);
    }
    expect((await executions()).filter((execution) => DENIED.has(execution.tool))).toEqual([]);
  });

  it("reads the prompt cache on every request after a run's first, the rating turn's included", async () => {
    await diagTick();
    const stats = await stackJson<ClaudeStats>("/__stack/claude/stats");
    const seen = new Set<string>();
    for (const entry of stats.log) {
      if (seen.has(entry.system)) expect(entry.usage?.cache_read_input_tokens, entry.system).toBeGreaterThan(0);
      seen.add(entry.system);
    }
  });

  it("writes the tool definitions once, for an hour, and every other persona's first request reads them", async () => {
    await diagTick();
    const { log } = await stackJson<ClaudeStats>("/__stack/claude/stats");
    const firsts = personas.map((persona) => log.find((entry) => entry.system === persona.systemPrompt.slice(0, 60))?.usage);
    const writers = log.filter((entry) => (entry.usage?.cache_creation.ephemeral_1h_input_tokens ?? 0) > 0);
    expect(writers).toHaveLength(1);
    const toolTokens = writers[0]?.usage?.cache_creation.ephemeral_1h_input_tokens ?? 0;
    expect(toolTokens).toBeGreaterThan(1024);
    const readers = firsts.filter((usage) => usage?.cache_read_input_tokens === toolTokens);
    expect(readers).toHaveLength(personas.length - 1);
  });
});

describe("the rating turn and the dollar budget", () => {
  it("rates as the continuation of the persona's conversation: the same tools, no calls, a cache read, ratings that parse", async () => {
    await diagTick();
    const stats = await stackJson<ClaudeStats>("/__stack/claude/stats");
    for (const persona of personas) {
      const requests = stats.log.filter((entry) => entry.system === persona.systemPrompt.slice(0, 60));
      const rating = requests.at(-1);
      expect(rating?.tools, persona.name).toEqual(requests[0]?.tools);
      expect(rating?.usage?.cache_read_input_tokens, persona.name).toBeGreaterThan(0);
      const [run] = await runsOf(await personaId(persona.name));
      expect(run?.transcript.rating?.feedback.length, persona.name).toBeGreaterThan(0);
      expect(run?.transcript.rating?.feedback.map((row) => row.module)).not.toContain("__parse");
    }
  });

  it("charges the budget in dollars with cache writes and reads at their prices, and holds new runs once it is spent", async () => {
    await diagTick();
    const { usage, received } = await stackJson<ClaudeStats>("/__stack/claude/stats");
    expect(usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(usage.cache_creation_input_tokens).toBeGreaterThan(0);
    const { ephemeral_5m_input_tokens: written5m, ephemeral_1h_input_tokens: written1h } = usage.cache_creation;
    expect(written1h).toBeGreaterThan(0);
    const expected = (usage.input_tokens * 3 + written5m * 3.75 + written1h * 6 + usage.cache_read_input_tokens * 0.3 + usage.output_tokens * 15) / 1e6;
    const hub = coordinator(runner.COORDINATOR);
    const spent = (await hub.status()).costTodayUsd;
    expect(spent).toBeCloseTo(expected, 9);
    await hub.spend(0, 10 - spent);
    const anna = await personaId("Anna");
    const response = await SELF.fetch(`http://runner.test/personas/${anna}/run`, { method: "POST" });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ phase: "queued", detail: expect.stringMatching(/^daily budget \$10 spent \(\$10\.0000 today\)/) });
    expect((await stackJson<ClaudeStats>("/__stack/claude/stats")).received).toBe(received);
  });
});

describe("transcripts", () => {
  it("keeps a complete transcript of each run: messages, tool calls with arguments, results, timings, usage, cost", async () => {
    await diagTick();
    const [run] = await runsOf(await personaId("Anna"));
    expect(run).toMatchObject({ phase: "succeeded", startedAt: expect.any(Number), finishedAt: expect.any(Number) });
    expect(run?.costUsd).toBeGreaterThan(0);
    expect((run?.usage.input ?? 0) + (run?.usage.cacheRead ?? 0)).toBeGreaterThan(0);
    const actions = run?.transcript.conversation.actions ?? [];
    expect(actions.length).toBeGreaterThanOrEqual(3);
    for (const action of actions) {
      expect(action).toMatchObject({ toolUseId: expect.any(String), toolName: expect.stringMatching(/^\w+\.\w+$/), latencyMs: expect.any(Number) });
      expect(action.input).toBeTypeOf("object");
    }
    const roles = (run?.transcript.conversation.messages ?? []).map((message) => message.role);
    expect(roles[0]).toBe("user");
    expect(roles).toContain("assistant");
    expect(run?.transcript.rating?.text).toBeTruthy();
    expect(run?.transcript.rating?.feedback.length).toBeGreaterThan(0);
  });

  it("lists a persona's runs newest first, as many as asked, and names a bad limit instead of guessing", async () => {
    await diagTick();
    const id = await personaId("Anna");
    const one = await SELF.fetch(`http://runner.test/personas/${id}/runs?limit=1`);
    expect(((await one.json()) as { runs: unknown[] }).runs).toHaveLength(1);
    for (const limit of ["0", "501", "ten", "2.5"]) {
      const bad = await SELF.fetch(`http://runner.test/personas/${id}/runs?limit=${limit}`);
      expect(bad.status, `limit=${limit}`).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/^limit: /);
    }
  });

  it("keeps the newest runs up to the retention limit, and any run whose outbox is undelivered", async () => {
    const stub = personaStub(runner, "retention-probe");
    await runInDurableObject(stub, (_instance, state) => {
      const store = new RunStore(state.storage.sql);
      for (let i = 0; i < 60; i++) store.saveHeader(finishedRun(`run-${String(i).padStart(2, "0")}`, "retention-probe", Date.UTC(2026, 10, 1) + i * 60_000));
      store.enqueue("run-00", "actions", [], 0);
      store.prune(50);
      const kept = store.recentHeaders(100).map((run) => run.runId);
      expect(kept).toHaveLength(51);
      expect(kept[0]).toBe("run-59");
      expect(kept).toContain("run-00");
      expect(kept).not.toContain("run-01");
    });
  });
});

describe("operator safety", () => {
  const staging = {
    ...(env as object),
    ENVIRONMENT: "staging",
    PERSONA_SEED_SECRET: "a-staging-seed-secret-that-is-not-the-dev-one",
    RUNNER_ADMIN_TOKEN: "admin-token-for-tests",
  };

  it("asks for the admin bearer token on everything but /health and /metrics outside local development", async () => {
    const app = createApp();
    const get = (path: string, token?: string) =>
      app.fetch(new Request(`https://runner.example${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {}), staging);
    for (const path of ["/", "/personas", "/diag/login?email=persona.anna@mana.test"]) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, "wrong-token")).status, path).toBe(401);
    }
    expect((await get("/personas", "admin-token-for-tests")).status).toBe(200);
    expect((await app.fetch(new Request("https://runner.example/diag/tick", { method: "POST" }), staging)).status).toBe(401);
    expect((await get("/health")).status).toBe(200);
    expect((await get("/metrics")).status).toBe(200);
  });

  it("answers /health without touching a Durable Object, and /metrics from one snapshot for back-to-back scrapes", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    for (let i = 0; i < 3; i++) expect((await SELF.fetch("http://runner.test/health")).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await SELF.fetch("http://runner.test/metrics")).status).toBe(200);
    vi.restoreAllMocks();
    const requests = lines.map((line) => JSON.parse(line) as { event?: string; path?: string; subrequests?: number }).filter((line) => line.event === "http_request");
    const subrequests = (path: string) => requests.filter((line) => line.path === path).map((line) => line.subrequests);
    expect(subrequests("/health")).toEqual([0, 0, 0]);
    // The coordinator and the findings once for the snapshot, or not at all if this isolate's is still fresh.
    expect(subrequests("/metrics").toSorted()).toSatisfy((counts: number[]) => ["0,0,0", "0,0,2"].includes(counts.join(",")));
  });

  it("is closed when deployed without an environment: every route answers 503 and the cron runs no tick", async () => {
    const { ENVIRONMENT: _unset, ...topLevel } = env as unknown as Record<string, unknown>;
    const app = createApp();
    for (const path of ["/health", "/metrics", "/", "/personas", "/diag/tick"]) {
      const response = await app.fetch(new Request(`https://mana-persona-runner.example.workers.dev${path}`), topLevel);
      expect(response.status, path).toBe(503);
      expect(await response.json()).toMatchObject({ error: expect.stringMatching(/ENVIRONMENT is not set/) });
    }
    const scheduled = worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), topLevel as unknown as Env);
    await expect(scheduled).rejects.toThrow(/ENVIRONMENT is not set/);
    expect((await stackJson<ClaudeStats>("/__stack/claude/stats")).received).toBe(0);
  });

  it("answers local hosts only in development, so a development runner deployed by mistake serves nothing", async () => {
    const app = createApp();
    const development = { ...(env as object), ENVIRONMENT: "development" };
    for (const path of ["/health", "/personas", "/diag/login?email=persona.anna@mana.test", "/admin/pause"]) {
      const response = await app.fetch(new Request(`https://mana-persona-runner-dev.example.workers.dev${path}`), development);
      expect(response.status, path).toBe(403);
      expect(await response.json()).toMatchObject({ error: expect.stringMatching(/answers local hosts only/) });
    }
    for (const host of ["localhost:8787", "127.0.0.1:8787", "[::1]:8787", "runner.test"]) {
      expect((await app.fetch(new Request(`http://${host}/health`), development)).status, host).toBe(200);
    }
  });

  it("refuses the protected routes when no admin token is set", async () => {
    const app = createApp();
    const { RUNNER_ADMIN_TOKEN: _unset, ...withoutToken } = staging;
    const response = await app.fetch(new Request("https://runner.example/personas"), withoutToken);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: expect.stringMatching(/RUNNER_ADMIN_TOKEN/) });
  });

  it("logs no secret, password or token during a full tick", async () => {
    const lines: string[] = [];
    for (const method of ["log", "info", "warn", "error"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    const tick = await diagTick();
    expect(tick.result.ranSuccessfully).toBe(10);
    // The capture saw the whole tick: a line for every run's start and end, with the fields secrets could hide in.
    const events = lines.map((line) => /"event":"(\w+)"/.exec(line)?.[1]);
    expect(events.filter((event) => event === "run_started")).toHaveLength(10);
    expect(events.filter((event) => event === "run_finished")).toHaveLength(10);
    expect(events.filter((event) => event === "outbox_delivered").length).toBeGreaterThanOrEqual(10);
    const output = lines.join("\n");
    const secrets = [
      runner.MANA_SERVICE_KEY as string,
      runner.ANTHROPIC_API_KEY as string,
      runner.PERSONA_SEED_SECRET as string,
      ...(await Promise.all(personas.map((persona) => derivePersonaPassword(persona.email, runner.PERSONA_SEED_SECRET as string)))),
    ];
    expect(secrets).toHaveLength(13);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });
});

describe("an alarm that keeps failing", () => {
  it("backs off, fails the run with the reason after five tries, then retries its delivery hourly: nothing loops", async () => {
    const stub = personaStub(runner, "crash-probe");
    await runInDurableObject(stub, async (instance, state) => {
      const store = new RunStore(state.storage.sql);
      store.saveHeader({ ...finishedRun("stuck", "retention-probe", Date.UTC(2026, 10, 1, 0, 1)), phase: "delivering", finishedAt: undefined });
      store.enqueue("stuck", "actions", [{ tickId: "stuck", toolName: "todo.list", result: "ok" }], 0);
      // The object's own storage fails on every delivery pass, as a corrupt database would.
      const broken = (instance as unknown as { store: RunStore }).store;
      broken.dueEntries = () => {
        throw new Error("SQLITE_CORRUPT: database disk image is malformed");
      };
      await state.storage.setAlarm(Date.now());
    });
    const delays: number[] = [];
    for (let alarm = 0; alarm < 5; alarm++) {
      expect(await runDurableObjectAlarm(personaStub(runner, "crash-probe"))).toBe(true);
      await runInDurableObject(personaStub(runner, "crash-probe"), async (_instance, state) => void delays.push(((await state.storage.getAlarm()) ?? 0) - Date.now()));
    }
    // 30 s doubling, then the run is given up and the undelivered entry waits an hour per try: never a tight loop.
    expect(delays.slice(0, 4).map((delay) => Math.round(delay / 10_000) * 10)).toEqual([30, 60, 120, 240]);
    expect(delays[4]).toBeGreaterThan(59 * 60_000);
    const [run] = (await personaStub(runner, "crash-probe").runs(1)) as { phase: string; error?: string }[];
    expect(run).toMatchObject({ phase: "failed", error: expect.stringMatching(/^internal error after 5 tries: SQLITE_CORRUPT/) });
  });
});
