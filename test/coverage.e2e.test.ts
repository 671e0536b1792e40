/** @module The coverage map end to end on a faked clock: the catalog personas' week in GET /coverage, on the status page and in the digest; a tool gone; a tool the verification table does not know. */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CoverageMap } from "../src/coverage/map";
import { DEFAULT_TOOL_DENY } from "../src/config";
import { type Findings, findings } from "../src/findings/findings";
import { isToolAllowed } from "../src/mcp/policy";
import type { RunDetail } from "../src/persona/runner";
import { planChecks } from "../src/verify/check";
import { defects, diagTick, freshWorldOnFakeClock, personaId, personas, stackJson, WEEKDAY } from "./helpers";
import { runsOf } from "./invariants";
import registry from "./stack/mcp/registry.snapshot.json";
import { TOOLS } from "./stack/mcp/tools/catalog";

const runner: Env = env;
const MINUTE = 60_000;
/** A Tuesday after the digest hour (08 UTC), behind real time so the objects' alarms are due at once. */
const START = Date.parse(WEEKDAY);
/** The stand-in's tools the default TOOL_DENY leaves to the personas. */
const OFFERED = TOOLS.filter((entry) => isToolAllowed(entry.name, { allow: ["*"], deny: DEFAULT_TOOL_DENY })).length;

beforeEach(() => freshWorldOnFakeClock(START));
afterEach(() => vi.useRealTimers());

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
const coverageNow = async () => (await (await SELF.fetch("http://runner.test/coverage")).json()) as CoverageMap;
const tool = (map: CoverageMap, name: string) => map.tools.find((entry) => entry.tool === name);

async function everyRun(): Promise<RunDetail[]> {
  return (await Promise.all(personas.map(async (persona) => runsOf(await personaId(persona.name))))).flat();
}

/** Runs one persona now, a minute after the last (one manual run per minute is the rule), and waits for it. */
async function runNow(name: string): Promise<void> {
  advance(MINUTE);
  const response = await SELF.fetch(`http://runner.test/personas/${await personaId(name)}/run?waitMs=30000`, { method: "POST" });
  expect(((await response.json()) as { phase?: string }).phase).toBe("succeeded");
}

/** What the runs' transcripts say about one tool: the persona's calls (never verification's), failures, personas, checks. */
function expectedFor(runs: RunDetail[], name: string) {
  const actions = runs.flatMap((run) => run.transcript.conversation.actions.filter((action) => !action.refused).map((action) => ({ action, userId: run.persona.userId })));
  const mine = actions.filter(({ action }) => action.toolName === name);
  const checks = runs.flatMap((run) => run.transcript.verification.flatMap((step) => step.checks)).filter((check) => check.tool === name);
  const failed = mine.filter(({ action }) => action.result === "error").length;
  return {
    calls: mine.length,
    failed,
    personas: new Set(mine.map(({ userId }) => userId)).size,
    failureShare: mine.length > 0 ? failed / mine.length : null,
    verified: checks.filter((check) => check.status === "verified").length,
    checks: checks.length,
  };
}

describe("the coverage map", () => {
  it("maps what the catalog personas exercised: every offered tool with its figures, the tools never called, the modules wanted but not offered", async () => {
    // Background noise, so that failure shares are not all zero: a flaky mana-sync fails a fifth of the calls.
    await defects.mcp({ transientFailures: { rate: 0.2 } });
    expect((await diagTick()).result.ranSuccessfully).toBe(10);
    const runs = await everyRun();
    const map = await coverageNow();

    // All 33 tools of the real registry, as the stand-in lists them.
    expect(map.tools.map((entry) => entry.tool)).toEqual(registry.tools.map((entry) => entry.name).sort());
    expect(map.tools).toHaveLength(33);
    for (const entry of map.tools) {
      const expected = expectedFor(runs, entry.tool);
      expect({ calls: entry.calls, failed: entry.failed, personas: entry.personas, failureShare: entry.failureShare }, entry.tool).toEqual({
        calls: expected.calls,
        failed: expected.failed,
        personas: expected.personas,
        failureShare: expected.failureShare,
      });
      if (expected.checks > 0) expect(entry.writes?.verifiedShare, entry.tool).toBe(expected.verified / expected.checks);
      else expect(entry.writes, entry.tool).toBeUndefined();
    }
    const called = map.tools.filter((entry) => entry.calls > 0);
    expect(called.length, "the personas call several tools").toBeGreaterThan(3);
    expect(map.tools.some((entry) => (entry.writes?.verifiedShare ?? 0) > 0), "some writes were verified").toBe(true);
    expect(map.tools.some((entry) => entry.failed > 0 && entry.failed < entry.calls), "some tools' calls failed, not all").toBe(true);
    expect(map.tools.filter((entry) => entry.status === "withheld").map((entry) => entry.tool), "TOOL_DENY keeps the image tools from the personas").toEqual(
      DEFAULT_TOOL_DENY.filter((name) => TOOLS.some((entry) => entry.name === name)).sort(),
    );
    expect(map.tools.filter((entry) => entry.status === "withheld").length).toBeGreaterThan(0);
    expect(map.neverCalled).toEqual(map.tools.filter((entry) => entry.status === "offered" && entry.calls === 0).map((entry) => entry.tool));
    expect(map.neverCalled.length).toBeGreaterThan(0);
    expect(map.summary).toMatchObject({ toolsOffered: OFFERED, toolsCalled: called.length });

    const wantedBy = (module: string) => personas.filter((persona) => Object.keys(persona.moduleMix).includes(module)).length;
    const missing = ["articles", "calendar", "contacts", "dreams", "goals", "invoices", "library", "newsResearch"];
    expect(map.wantedNotOffered.map((entry) => entry.module).sort()).toEqual(missing.sort());
    for (const module of missing) expect(map.wantedNotOffered.find((entry) => entry.module === module)?.wantedBy, module).toBe(wantedBy(module));
    expect(map.modules.find((module) => module.module === "todo")).toMatchObject({ offered: true, wantedBy: wantedBy("todo") });

    const page = await (await SELF.fetch("http://runner.test/")).text();
    const section = page.indexOf("<h2>Coverage (last 7 days)</h2>");
    expect(section, "the coverage section follows the findings").toBeGreaterThan(page.indexOf("<h2>Findings</h2>"));
    expect(section).toBeLessThan(page.indexOf("<h2>Runner</h2>"));
    for (const entry of map.tools) expect(page, entry.tool).toContain(`id="coverage-${entry.tool}"`);
    expect(page).toContain(`${map.summary.toolsCalled} of ${OFFERED} offered tools called`);
    expect(page).toMatch(/Wanted but not offered by mana-mcp:.*calendar/s);

    // The first tick's heartbeat came before any run; the next one sends the day's digest, coverage included.
    advance(MINUTE);
    await diagTick();
    await stackJson("/__stack/webhook/received?atLeast=1&waitMs=20000");
    const { messages } = await stackJson<{ messages: { body: { text?: string } }[] }>("/__stack/webhook/messages");
    const digest = messages.find((message) => message.body.text?.includes("Persona runner digest"))?.body.text ?? "";
    expect(digest).toContain(`Coverage over the last 7 days: ${map.summary.toolsCalled} of ${OFFERED} offered tools called`);
    expect(digest).toContain(`Never called (${map.neverCalled.length}): \`${map.neverCalled[0]}\``);
    expect(digest).toMatch(/Wanted but not offered: .*calendar \(wanted by 5 personas\)/);
  });

  it("moves a tool removed from mana-mcp's tools/list to no longer offered once two runs have seen it gone", async () => {
    await diagTick();
    const before = await coverageNow();
    expect(tool(before, "journal.add")?.status).toBe("offered");
    await defects.mcp({ removedTools: { tools: ["journal.add"] } });
    await runNow("Kai");
    expect(tool(await coverageNow(), "journal.add")?.status, "one run does not change the surface").toBe("offered");
    await runNow("Tom");
    const after = await coverageNow();
    expect(tool(after, "journal.add")).toMatchObject({ status: "no longer offered", calls: tool(before, "journal.add")?.calls });
    expect(after.noLongerOffered).toEqual([{ tool: "journal.add", calls: tool(before, "journal.add")?.calls, removedAt: expect.any(Number) }]);
    expect(after.neverCalled).not.toContain("journal.add");
    expect(after.summary.toolsOffered).toBe(before.summary.toolsOffered - 1);
    // Journal had no other tool: the personas who want it now want a module mana-mcp does not offer.
    expect(after.wantedNotOffered.find((entry) => entry.module === "journal")?.wantedBy).toBe(personas.filter((persona) => "journal" in persona.moduleMix).length);
    const page = await (await SELF.fetch("http://runner.test/")).text();
    expect(page).toMatch(/No longer offered:.*<code>journal\.add<\/code>/s);
  });

  it("a write tool the registry gained and the verification table does not know is offered, counted and unverifiable", async () => {
    await diagTick();
    const [run] = await runsOf(await personaId("Ben"));
    const surface = [...(run?.transcript.conversation.surface ?? []), ["calendar.create", "0123456789abcdef"] as [string, string]];
    // What the runner's own verification makes of a successful call of a tool it has no table entry for.
    const { unverifiable } = planChecks([
      { toolUseId: "t1", toolName: "calendar.create", input: { title: "Zahnarzt" }, inputHash: "h", result: "ok", output: "{}", latencyMs: 20, at: new Date().toISOString() },
    ]);
    const checks = unverifiable.map(({ tool: name, status, detail }) => ({ tool: name, status, ...(detail ? { detail } : {}) }));
    expect(checks).toEqual([expect.objectContaining({ tool: "calendar.create", status: "unverifiable" })]);
    await runInDurableObject(findings(runner.FINDINGS), (instance: Findings) => {
      for (const n of [1, 2]) {
        advance(MINUTE);
        instance.ingest({
          runId: `grown-${n}`,
          userId: `grown-user-${n}`,
          persona: `persona.grown${n}@mana.test`,
          startedAt: Date.now() - 1_000,
          finishedAt: Date.now(),
          outcome: "succeeded",
          calls: [{ tool: "calendar.create", ok: true, latencyMs: 20 }],
          checks,
          ratings: [],
          surface,
          wanted: ["calendar"],
          usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
          costUsd: 0,
          durationMs: 1_000,
        });
      }
    });
    const map = await coverageNow();
    expect(tool(map, "calendar.create")).toMatchObject({
      status: "offered",
      verification: "unknown",
      calls: 2,
      personas: 2,
      writes: { checks: 2, unverifiable: 2, unverifiableShare: 1, verifiedShare: 0 },
    });
    expect(map.modules.find((module) => module.module === "calendar")).toMatchObject({ offered: true, calls: 2 });
    expect(map.wantedNotOffered.map((entry) => entry.module)).not.toContain("calendar");
    expect(map.summary.toolsOffered).toBe(OFFERED + 1);
  });
});
