/** @module The findings object's cost at scale: a module's rating drop is judged once per share of its raters, and the heartbeat judges what waits. */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunEvidence } from "./evidence";
import type { EvidenceStore } from "./evidence-store";
import { send, stackJson } from "../../test/helpers";
import { Findings } from "./findings";

const runner: Env = env;
/** Before the digest hour, so no digest reads the ratings while the test counts reads. */
const NOW = Date.parse("2026-11-25T03:00:00Z");
const DAY = 24 * 3_600_000;

beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: NOW, shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

const rating = (n: number, value = 4, daysAgo = 0): RunEvidence => ({
  runId: `run-${n}-${daysAgo}`,
  userId: `user-${n}`,
  persona: `persona.p${n}@mana.test`,
  finishedAt: Date.now() - daysAgo * DAY,
  outcome: "succeeded",
  calls: [],
  checks: [],
  ratings: [{ module: "notes", rating: value }],
  usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
  costUsd: 0,
  durationMs: 1_000,
});

const webhook = () => stackJson<{ messages: { at: string; body: { text?: string } }[] }>("/__stack/webhook/messages");
const freshFindings = () => runner.FINDINGS.get(runner.FINDINGS.idFromName(`findings-test-${crypto.randomUUID()}`));
const readsOf = (findings: Findings) => vi.spyOn((findings as unknown as { evidence: EvidenceStore }).evidence, "ratingPairs");
const openIds = (findings: Findings) => findings.list().open.map((finding) => finding.id);

describe("Findings: rating drops at scale", () => {
  it("judges every rating of a module up to a hundred raters, then once per hundredth of them; the heartbeat judges what waits", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const reads = readsOf(findings);
      for (let n = 1; n <= 100; n++) findings.ingest(rating(n));
      expect(reads).toHaveBeenCalledTimes(100);
      // From 101 raters on every second rating is judged, from 201 every third: 50 + 34 judgements for 200 more.
      for (let n = 101; n <= 300; n++) findings.ingest(rating(n));
      expect(reads).toHaveBeenCalledTimes(184);
      findings.heartbeat();
      const settled = reads.mock.calls.length;
      findings.ingest(rating(301));
      expect(reads, "a rating that waits for its share").toHaveBeenCalledTimes(settled);
      findings.heartbeat();
      expect(reads, "the heartbeat judges the waiting rating").toHaveBeenCalledTimes(settled + 1);
      findings.heartbeat();
      expect(reads, "and nothing when nothing waits").toHaveBeenCalledTimes(settled + 1);
    });
  });

  it("a drop among 150 raters that waits for its share opens at the next heartbeat", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      for (let n = 1; n <= 150; n++) findings.ingest(rating(n, 5, 2));
      findings.heartbeat();
      // 150 raters: every second rating is judged. Two personas rate 1 (judged, too few), a third waits.
      for (let n = 1; n <= 3; n++) findings.ingest(rating(n, 1));
      expect(openIds(findings)).toEqual([]);
      findings.heartbeat();
      expect(openIds(findings)).toEqual(["rating-drop:notes"]);
    });
  });

  it("after a restart, the first heartbeat judges every rated module, so ratings that waited are not forgotten", async () => {
    const stub = freshFindings();
    await runInDurableObject(stub, async (findings: Findings) => {
      for (let n = 1; n <= 150; n++) findings.ingest(rating(n, 5, 2));
      findings.heartbeat();
      for (let n = 1; n <= 3; n++) findings.ingest(rating(n, 1));
      expect(openIds(findings)).toEqual([]);
    });
    await runInDurableObject(stub, async (_, state) => {
      const restarted = new Findings(state, runner);
      restarted.heartbeat();
      expect(openIds(restarted)).toEqual(["rating-drop:notes"]);
    });
  });
});

describe("Findings: one alert per cause", () => {
  const MINUTE = 60_000;
  const setupFailure = (n: number, at: number): RunEvidence => ({
    runId: `run-${n}-${at}`,
    userId: `user-${n}`,
    persona: `persona.p${n}@mana.test`,
    finishedAt: at,
    outcome: "failed",
    failure: "gave up after 6 attempts: mcp session: HTTP 503: no healthy upstream",
    setup: { stage: "mcp", error: "gave up after 6 attempts: mcp session: HTTP 503: no healthy upstream", server: true },
    calls: [],
    checks: [],
    ratings: [],
    usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
    costUsd: 0,
    durationMs: 0,
  });
  const outage = (tool: string) => `Tool ${tool} failed: mana-sync push failed: 503 Service Unavailable`;
  const bug = (tool: string) => `Tool ${tool} failed: column "score" does not exist`;
  const toolRun = (n: number, at: number, ok: boolean, tool = "notes.create", error = outage): RunEvidence => ({
    ...setupFailure(n, at),
    outcome: "succeeded",
    failure: undefined,
    setup: undefined,
    startedAt: at,
    calls: [{ tool, ok, latencyMs: 20, ...(ok ? {} : { origin: "app" as const, error: error(tool) }) }],
  });
  /** Runs of one tool each, numbered on from the last, at the faked clock. */
  const runsOf = (findings: Findings) => {
    let n = 0;
    return (count: number, ok: boolean, tool: string, error = outage) => {
      for (const last = n + count; n < last; n++) findings.ingest(toolRun(n, Date.now() + n, ok, tool, error));
    };
  };

  beforeEach(() => stackJson("/__stack/reset", send("POST")));

  it("a global outage with 1,000 personas is one finding and at most one message a minute", { timeout: 120_000 }, async () => {
    await stackJson("/__stack/mcp/defects", send("PUT", { down: true }));
    await runInDurableObject(freshFindings(), async (findings: Findings, state) => {
      for (let minute = 0; minute < 10; minute++) {
        for (let n = minute * 100; n < (minute + 1) * 100; n++) findings.ingest(setupFailure(n, Date.now()));
        findings.heartbeat();
        vi.setSystemTime(Date.now() + MINUTE);
      }
      expect(openIds(findings)).toEqual(["service-down:mana-mcp"]);
      expect(findings.list().open[0]?.verdict.counts.personas).toBeGreaterThan(100);
      const perMinute = state.storage.sql.exec<{ minute: number; n: number }>("SELECT created_at / 60000 AS minute, COUNT(*) AS n FROM alerts GROUP BY minute").toArray();
      expect(perMinute.every((row) => row.n <= 1), JSON.stringify(perMinute)).toBe(true);
      expect(perMinute.length).toBe(1);
    });
  });

  it("a finding that resolves before its 'opened' got out is told once, as opened and resolved, never resolved first", async () => {
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "fail", status: 500 }));
    await runInDurableObject(freshFindings(), async (findings: Findings, state) => {
      for (let n = 0; n < 5; n++) findings.ingest(toolRun(n, Date.now() + n, false));
      expect(openIds(findings)).toEqual(["tool-failing:notes.create"]);
      for (let n = 5; n < 21; n++) findings.ingest(toolRun(n, Date.now() + n, true));
      vi.setSystemTime(Date.now() + 31 * MINUTE);
      findings.heartbeat();
      expect(openIds(findings)).toEqual([]);
      // The attempt at the "opened" may still be under way when the finding resolves: once it has failed, the two
      // are one message; had it not been under way, the resolution would have said both at once.
      await findings.alarm();
      const queued = state.storage.sql.exec<{ id: string; status: string }>("SELECT id, status FROM alerts WHERE status != 'superseded' ORDER BY created_at, rowid").toArray();
      expect(queued).toEqual([{ id: "tool-failing:notes.create#1#opened-and-resolved", status: "pending" }]);
    });
  });

  it("tells a consistent story through a webhook outage: opened and resolved in one, then opened again, never a resolved before its opened", async () => {
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "fail", status: 500 }));
    await runInDurableObject(freshFindings(), async (findings: Findings, state) => {
      const ids = () => state.storage.sql.exec<{ id: string }>("SELECT id FROM alerts WHERE status NOT IN ('superseded', 'muted') ORDER BY created_at, rowid").toArray().map((row) => row.id);
      for (let n = 0; n < 5; n++) findings.ingest(toolRun(n, Date.now() + n, false));
      for (let n = 5; n < 21; n++) findings.ingest(toolRun(n, Date.now() + n, true));
      vi.setSystemTime(Date.now() + 31 * MINUTE);
      findings.heartbeat();
      await findings.alarm();
      expect(ids()).toEqual(["tool-failing:notes.create#1#opened-and-resolved"]);
      // Back within the reopen window: the team has heard nothing of it, so it hears that it is open.
      vi.setSystemTime(Date.now() + MINUTE);
      for (let n = 21; n < 26; n++) findings.ingest(toolRun(n, Date.now() + n, false));
      await findings.alarm();
      expect(findings.list().open[0]).toMatchObject({ id: "tool-failing:notes.create", occurrence: 1, flaps: 1 });
      expect(ids()).toEqual(["tool-failing:notes.create#1#opened-1"]);
      // Acknowledged now, its waiting message is never sent; its resolution will be.
      findings.ack("tool-failing:notes.create");
      expect(ids()).toEqual([]);
    });
  });

  it("a module recovering tool by tool stays one finding, and its cause coming back soon reopens it", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      let n = 0;
      const runs = (count: number, ok: boolean, tool: string) => {
        for (const last = n + count; n < last; n++) findings.ingest(toolRun(n, Date.now() + n, ok, tool));
      };
      const open = () => findings.list().open.map((finding) => [finding.id, finding.subject, finding.flaps ?? 0]);
      runs(5, false, "mood.log");
      runs(5, false, "mood.today");
      expect(open()).toEqual([["tool-failing:mood.log", "module:mood", 0]]);
      runs(21, true, "mood.today");
      runs(2, false, "mood.log");
      expect(open(), "mood.log still failing is the module's tail").toEqual([["tool-failing:mood.log", "module:mood", 0]]);
      runs(21, true, "mood.log");
      vi.setSystemTime(Date.now() + 31 * MINUTE);
      findings.heartbeat();
      expect(open()).toEqual([]);
      vi.setSystemTime(Date.now() + MINUTE);
      runs(5, false, "mood.today");
      expect(open(), "back within the reopen window: the same finding, intermittent").toEqual([["tool-failing:mood.log", "mood.today", 1]]);
    });
  });

  it("a tool of a module's open finding failing a new way is its own finding, opened once, while the module's tail goes on", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings, state) => {
      const runs = runsOf(findings);
      runs(5, false, "mood.log");
      runs(5, false, "mood.today");
      runs(21, true, "mood.today");
      runs(1, false, "mood.log");
      for (let pass = 0; pass < 4; pass++) runs(1, false, "mood.today", bug);
      const subjects = findings.list().open.map((finding) => finding.subject);
      expect(subjects.sort()).toEqual(["module:mood", "mood.today"]);
      const opened = state.storage.sql.exec<{ id: string }>("SELECT id FROM alerts WHERE id LIKE '%#opened'").toArray().map((row) => row.id);
      expect(opened.filter((id) => id.includes("mood.today")), "one 'opened', not one per pass").toHaveLength(1);
    });
  });

  it("a module's tool failing again with its own error of the outage is still the module's, though another tool's error is the one holding", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const pull = (tool: string) => `Tool ${tool} failed: mana-sync pull failed: 503 Service Unavailable`;
      const runs = runsOf(findings);
      runs(5, false, "mood.log");
      runs(5, false, "mood.today", pull);
      runs(21, true, "mood.today");
      runs(1, false, "mood.log");
      runs(5, false, "mood.today", pull);
      expect(findings.list().open.map((finding) => finding.subject)).toEqual(["module:mood"]);
    });
  });

  it("a module outage resolves once its failing tools recover, whatever a rarely called sibling did before", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const runs = runsOf(findings);
      runs(2, false, "mood.today");
      runs(5, false, "mood.log");
      expect(openIds(findings)).toHaveLength(1);
      runs(21, true, "mood.log");
      vi.setSystemTime(Date.now() + 31 * MINUTE);
      findings.heartbeat();
      expect(openIds(findings)).toEqual([]);
    });
  });

  it("a new error of a tool whose module's finding resolved an hour ago opens its own finding, under an id of its own", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const runs = runsOf(findings);
      runs(5, false, "mood.log");
      runs(5, false, "mood.today");
      runs(21, true, "mood.today");
      runs(21, true, "mood.log");
      vi.setSystemTime(Date.now() + 31 * MINUTE);
      findings.heartbeat();
      expect(findings.list().resolved.map((finding) => [finding.id, finding.subject])).toEqual([["tool-failing:mood.log", "module:mood"]]);
      vi.setSystemTime(Date.now() + 60 * MINUTE);
      runs(8, false, "mood.log", bug);
      const [opened, ...others] = findings.list().open;
      expect(others).toEqual([]);
      expect(opened).toMatchObject({ subject: "mood.log", occurrence: 1 });
      expect(opened?.flaps ?? 0, "not the module's outage reopening").toBe(0);
      expect(opened?.id).not.toBe("tool-failing:mood.log");
      expect(findings.list().resolved.map((finding) => [finding.id, finding.subject])).toEqual([["tool-failing:mood.log", "module:mood"]]);
    });
  });

  it("several messages due at once leave as one batch that lists them", async () => {
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "fail", status: 500 }));
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const tools = ["notes.create", "todo.complete", "habits.archive", "mood.log"];
      for (const [index, tool] of tools.entries()) {
        const error = `Tool ${tool} failed: its own reason ${"x".repeat(index + 1)}`;
        for (let n = 0; n < 5; n++) findings.ingest({ ...toolRun(n, Date.now() + n, false, tool), runId: `${tool}-${n}`, calls: [{ tool, ok: false, origin: "app", error, latencyMs: 20 }] });
      }
      expect(findings.list().open).toHaveLength(4);
      // The single attempts made while the webhook failed are over; their messages wait out their backoff.
      await stackJson(`/__stack/webhook/received?atLeast=4&waitMs=20000`);
      await stackJson("/__stack/webhook/mode", send("PUT", { mode: "ok" }));
      vi.setSystemTime(Date.now() + 2 * 3_600_000);
      findings.heartbeat();
    });
    const failed = (await webhook()).messages.length;
    await stackJson(`/__stack/webhook/received?atLeast=${failed + 1}&waitMs=20000`);
    const texts = (await webhook()).messages.map((message) => message.body.text ?? "");
    const batches = texts.filter((text) => text.startsWith(":rotating_light: *4 alerts at once*"));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.split("\n").slice(1).sort()).toEqual([
      "<http://runner.test/|Status page>",
      "• opened: habits.archive is failing (`tool-failing:habits.archive`)",
      "• opened: mood.log is failing (`tool-failing:mood.log`)",
      "• opened: notes.create is failing (`tool-failing:notes.create`)",
      "• opened: todo.complete is failing (`tool-failing:todo.complete`)",
    ]);
  });

  it("answers open and resolved findings a page at a time, with their totals", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const tools = ["notes.create", "todo.complete", "habits.archive"];
      for (const [index, tool] of tools.entries()) {
        for (let n = 0; n < 5; n++) findings.ingest({ ...toolRun(n, Date.now() + n, false, tool), runId: `${tool}-${n}`, calls: [{ tool, ok: false, origin: "app", error: `Tool ${tool} failed: reason ${"x".repeat(index + 1)}`, latencyMs: 20 }] });
      }
      const page = findings.list({ limit: 2, offset: 1 });
      expect(page.totals).toEqual({ open: 3, resolved: 0 });
      expect(page.open).toHaveLength(2);
      expect(findings.list({ limit: 2, offset: 2 }).open.map((finding) => finding.id)).toEqual([findings.list({ limit: 50, offset: 0 }).open[2]?.id]);
    });
  });

  it("names a change of the tool surface that came shortly before a finding opened", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const surfaceRun = (n: number, fingerprint: string, ok = true): RunEvidence => ({
        ...toolRun(n, Date.now(), ok),
        runId: `surface-${n}`,
        surface: [["notes.create", fingerprint], ["notes.search", "s1"]],
        schemas: { [fingerprint]: { type: "object", properties: { title: { type: "string" }, ...(fingerprint === "c2" ? { origin: { type: "string" } } : {}) }, required: ["title", ...(fingerprint === "c2" ? ["origin"] : [])] } },
      });
      findings.ingest(surfaceRun(1, "c1"));
      vi.setSystemTime(Date.now() + 60_000);
      findings.ingest(surfaceRun(2, "c2"));
      findings.ingest(surfaceRun(3, "c2"));
      expect(findings.list().surface).toEqual([{ at: Date.now(), tool: "notes.create", change: "changed", from: "c1", to: "c2", diff: ["+ origin (string, required)"] }]);
      vi.setSystemTime(Date.now() + 6 * 60_000);
      for (let n = 4; n < 9; n++) findings.ingest(surfaceRun(n, "c2", false));
      const failing = findings.list().open.find((finding) => finding.kind === "tool-failing");
      expect(failing?.verdict.attribution).toBe("started 6 min after notes.create's input schema changed");
      expect(findings.list().open.find((finding) => finding.kind === "tool-changed")?.verdict.summary).toBe("notes.create's input schema changed: + origin (string, required)");
    });
  });

  it("sends no digest before the runner has run anyone", async () => {
    vi.setSystemTime(Date.parse("2026-11-25T09:00:00Z"));
    await runInDurableObject(freshFindings(), async (findings: Findings, state) => {
      findings.heartbeat();
      expect(state.storage.sql.exec("SELECT id FROM alerts").toArray()).toEqual([]);
      findings.ingest(toolRun(1, Date.now(), true));
      findings.heartbeat();
      expect(state.storage.sql.exec("SELECT id FROM alerts").toArray()).toEqual([{ id: "digest#2026-11-25" }]);
    });
  });
});

describe("Findings: judging stays bounded by the tools and the active personas", () => {
  const run = (n: number, at: number): RunEvidence => {
    const tools = ["todo.create", "todo.list", "notes.create", "notes.search", "mood.log", "habits.list"];
    const failedStart = n % 5 === 0;
    return {
      runId: `run-${n}-${at}`,
      userId: `user-${n}`,
      persona: `persona.p${n}@mana.test`,
      finishedAt: at,
      ...(failedStart ? {} : { startedAt: at }),
      outcome: failedStart ? "failed" : "succeeded",
      ...(failedStart ? { setup: { stage: "mcp", error: "mcp session: HTTP 503: no healthy upstream", server: true } } : {}),
      calls: failedStart ? [] : tools.map((tool) => ({ tool, ok: tool !== "notes.create", latencyMs: 20, ...(tool === "notes.create" ? { origin: "app" as const, error: "Tool notes.create failed: mana-sync push failed: 503" } : {}) })),
      checks: [],
      ratings: [],
      usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
      costUsd: 0,
      durationMs: 0,
    };
  };

  /** Rows read by one more run's hand-over and the minute after it, once `personas` have run (a fifth failing to start, every run failing on one tool). */
  const rowsRead = (personas: number) =>
    runInDurableObject(freshFindings(), async (findings: Findings, state) => {
      findings.heartbeat();
      for (let n = 1; n <= personas; n++) findings.ingest(run(n, Date.now() + n));
      vi.setSystemTime(Date.now() + 60_000);
      findings.heartbeat();
      vi.setSystemTime(Date.now() + 60_000);
      const exec = vi.spyOn(state.storage.sql, "exec");
      findings.ingest(run(personas + 1, Date.now()));
      findings.heartbeat();
      const read = exec.mock.results.reduce((sum, result) => sum + (result.value as SqlStorageCursor<Record<string, SqlStorageValue>>).rowsRead, 0);
      exec.mockRestore();
      return read;
    });

  it("reads as many rows for a run's hand-over and a minute with 3,000 personas behind them as with 1,000", { timeout: 120_000 }, async () => {
    // Both past the 200 recent setup failures a pass reads at most (a fifth of the personas fail to start).
    const few = await rowsRead(1_000);
    const many = await rowsRead(3_000);
    expect(many, `${few} rows with 1,000 personas, ${many} with 3,000`).toBeLessThan(few * 1.1);
  });
});

describe("Findings: the webhook's pace", () => {
  beforeEach(async () => {
    vi.useRealTimers();
    await stackJson("/__stack/reset", send("POST"));
  });

  it("sends at most one message a second, however the messages come due", { timeout: 30_000 }, async () => {
    // Tools no other test of this file uses: other tests' objects may still deliver their own messages meanwhile.
    const tools = ["wardrobe.listOutfits", "augur.yearRecap"];
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      for (const [index, tool] of tools.entries()) {
        const error = `Tool ${tool} failed: its own reason ${"x".repeat(index + 1)}`;
        for (let n = 0; n < 5; n++) {
          const run = { runId: `${tool}-${n}`, userId: `user-${n}`, persona: `persona.p${n}@mana.test`, finishedAt: Date.now() + n, startedAt: Date.now(), outcome: "succeeded" as const };
          findings.ingest({ ...run, calls: [{ tool, ok: false, origin: "app", error, latencyMs: 20 }], checks: [], ratings: [], usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 }, costUsd: 0, durationMs: 0 });
        }
      }
      expect(findings.list().open).toHaveLength(2);
    });
    const ours = async () => (await webhook()).messages.filter((message) => tools.some((tool) => message.body.text?.includes(`Finding opened:* ${tool}`)));
    for (let seen = (await webhook()).messages.length; (await ours()).length < 2 && seen < 50; seen++) await stackJson(`/__stack/webhook/received?atLeast=${seen + 1}&waitMs=20000`);
    const arrived = await ours();
    expect(arrived).toHaveLength(2);
    expect(Date.parse(arrived[1]?.at ?? "") - Date.parse(arrived[0]?.at ?? "")).toBeGreaterThanOrEqual(1_000);
  });
});
