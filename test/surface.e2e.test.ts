/** @module mana-mcp's tool surface and speed on a faked clock: a tool gone, a schema changed and a tool turned slow each open one finding, and each resolves once undone. */
import { env, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FindingsList } from "../src/findings/findings";
import { personaStub } from "../src/persona/wake";
import { defects, diagTick, freshWorld, personaId, send, stackJson } from "./helpers";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday before the digest hour; fake time stays behind real time, so the objects' alarms fire at once. */
const START = Date.parse("2026-11-02T01:00:00.000Z");

beforeEach(async () => {
  await freshWorld();
  vi.useFakeTimers({ toFake: ["Date"], now: START, shouldAdvanceTime: true });
  await stackJson("/__stack/auth/clock", send("PUT", { now: null }));
});
afterEach(() => vi.useRealTimers());

const findingsNow = async () => (await (await SELF.fetch("http://runner.test/findings")).json()) as FindingsList;
const ids = async () => (await findingsNow()).open.map((finding) => finding.id);

/** One tick a day for `days` days (every catalog persona runs on weekdays): history for the baselines. */
async function days(count: number): Promise<void> {
  for (let day = 0; day < count; day++) {
    vi.setSystemTime(Date.now() + DAY + 60_000);
    await diagTick();
  }
}

/** Runs personas now, a minute apart, each to its end: sessions that list mana-mcp's tools as they are now. */
async function runNow(...names: string[]): Promise<void> {
  for (const name of names) {
    vi.setSystemTime(Date.now() + 60_000);
    const userId = await personaId(name);
    const { runId } = (await (await SELF.fetch(`http://runner.test/personas/${userId}/run`, { method: "POST" })).json()) as { runId: string };
    await personaStub(env, userId).runPhase(runId, 30_000);
  }
}

/** A tick once the recovery period has passed: a finding whose condition cleared resolves. */
async function afterRecovery(): Promise<void> {
  vi.setSystemTime(Date.now() + 31 * 60_000);
  await diagTick();
}

/** The tool most personas called so far: the one whose change the most runs see. */
async function busiestTool(kind: "read" | "write"): Promise<string> {
  const metrics = await (await SELF.fetch("http://runner.test/metrics")).text();
  const counts = new Map<string, number>();
  for (const [, tool, value] of metrics.matchAll(/^persona_tool_calls_total\{tool="([^"]+)",result="ok"[^}]*\} (\d+)/gm)) counts.set(tool ?? "", (counts.get(tool ?? "") ?? 0) + Number(value));
  const reads = /\.(list|search|today|recent|listOpenSigns|listStories|listCharacters|listGarments|listOutfits|listReferenceImages|consultOracle|yearRecap)$/;
  return [...counts].filter(([tool]) => reads.test(tool) === (kind === "read")).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
}

describe("mana-mcp's tool surface", () => {
  it("a tool the personas used that is gone from tools/list: one tool-gone finding, resolved once it is back", { timeout: 120_000 }, async () => {
    await days(1);
    const tool = await busiestTool("write");
    await defects.mcp({ removedTools: { tools: [tool] } });
    await days(1);
    const { open, surface } = await findingsNow();
    expect(open.map((finding) => finding.id)).toEqual([`tool-gone:${tool}`]);
    expect(surface[0]).toMatchObject({ tool, change: "removed" });

    await defects.mcp({ removedTools: null });
    await days(1);
    await afterRecovery();
    expect(await ids()).toEqual([]);
    expect((await findingsNow()).resolved.map((finding) => finding.id)).toEqual([`tool-gone:${tool}`]);
  });

  it("an input schema that changes: one tool-changed finding naming the new field, resolved once the schema is back", { timeout: 120_000 }, async () => {
    await days(1);
    const tool = await busiestTool("write");
    await defects.mcp({ schemaChange: { tool } });
    await days(1);
    const { open } = await findingsNow();
    expect(open.map((finding) => finding.id)).toEqual([`tool-changed:${tool}`]);
    expect(open[0]?.verdict.summary).toBe(`${tool}'s input schema changed: + origin (string, minLength 1, maxLength 200, required)`);

    // Undone within the day: the changed schema never settled into the baseline (FINDING_SURFACE_SETTLE_HOURS).
    await defects.mcp({ schemaChange: null });
    await runNow("Anna", "Ben");
    await afterRecovery();
    expect(await ids()).toEqual([]);
    expect((await findingsNow()).resolved.map((finding) => finding.id)).toEqual([`tool-changed:${tool}`]);
  });
});

describe("a tool turned slow", () => {
  it("opens tool-slow against the tool's own baseline and resolves once it is fast again", { timeout: 180_000 }, async () => {
    await days(5);
    const tool = await busiestTool("read");
    await defects.mcp({ slowTool: { tool, ms: 400 } });
    let opened: string[] = [];
    for (let day = 0; day < 4 && opened.length === 0; day++) {
      await days(1);
      opened = await ids();
    }
    expect(opened).toEqual([`tool-slow:${tool}`]);
    await defects.mcp({ slowTool: null });
    for (let day = 0; day < 4 && (await ids()).length > 0; day++) {
      await days(1);
      await afterRecovery();
    }
    expect(await ids()).toEqual([]);
  });
});
