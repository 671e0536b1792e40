/**
 * @module
 * Read-after-write verification end to end on a faked clock: the ten catalog personas play simulated days against
 * every tool of the stand-in; healthy, every write with a read path reads back verified; the stand-in's
 * update-blind reads and a write that reads back different get the verdicts the real defects would.
 */
import { SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FindingsList } from "../src/findings/findings";
import type { Finding } from "../src/findings/lifecycle";
import type { RunDetail } from "../src/persona/runner";
import { at, VERIFY_TABLE } from "../src/verify/table";
import { diagTick, freshWorld, personaId, personas, send, stackJson } from "./helpers";
import { runsOf } from "./invariants";

const HOUR = 3_600_000;
/** A Monday half past midnight UTC; days are 25 hours apart, so each daily persona is due again every day. */
const START = Date.parse("2026-11-02T00:30:00.000Z");
const DAY = 25 * HOUR;

beforeEach(async () => {
  await freshWorld();
  vi.useFakeTimers({ toFake: ["Date"], now: START, shouldAdvanceTime: true });
  await stackJson("/__stack/auth/clock", send("PUT", { now: null }));
});
afterEach(() => vi.useRealTimers());

type Json = Record<string, unknown>;

const mcpDefects = (body: unknown) => stackJson("/__stack/mcp/defects", send("PUT", body));
const checked = (tool: string) => "read" in (VERIFY_TABLE[tool] ?? { unverifiable: "" });

/** Every due persona runs once a day for `days` days; answers every run so far. */
async function playDays(days: number, from = 0): Promise<RunDetail[]> {
  for (let day = from; day < from + days; day++) {
    vi.setSystemTime(START + day * DAY);
    const tick = await diagTick();
    expect(tick.result.failed, `day ${day}`).toEqual([]);
  }
  return allRuns();
}

async function allRuns(): Promise<RunDetail[]> {
  return (await Promise.all(personas.map(async (persona) => runsOf(await personaId(persona.name))))).flat();
}

interface Write {
  tool: string;
  status: string;
  detail?: string;
}

/** Each successful write of the runs with its verdict. */
function writesOf(runs: readonly RunDetail[]): Write[] {
  return runs.flatMap((run) => run.transcript.verification.flatMap((step) => step.checks.map(({ tool, status, detail }) => ({ tool, status, detail }))));
}

/** Where a write's entity id is in its answer or input, for the ids a run created and acted on. */
const idOf = (action: RunDetail["transcript"]["conversation"]["actions"][number]): string | undefined => {
  const entry = VERIFY_TABLE[action.toolName];
  if (!entry || !("read" in entry)) return undefined;
  const source: unknown = entry.id.in === "result" ? JSON.parse(action.output) : action.input;
  const id = at(source, entry.id.path);
  return typeof id === "string" ? id : undefined;
};
const CREATES = ["habits.create", "todo.create", "notes.create"];
const CHANGES = ["habits.update", "habits.archive", "todo.complete", "augur.resolveSign", "comic.pinVariant", "comic.reorderPanels"];

describe("verification of a healthy stand-in", () => {
  it("verifies every write with a read path over two simulated weeks of the ten personas, who touch every offered module and play like people", { timeout: 240_000 }, async () => {
    const runs = await playDays(14);
    const writes = writesOf(runs);
    expect(writes.filter((write) => checked(write.tool) && write.status !== "verified")).toEqual([]);
    // Every module offered is used, and every offered write with a read path is verified at least once.
    const offered = new Set(runs.flatMap((run) => run.transcript.conversation.names.map(([, mcp]) => mcp)));
    const modules = (tools: Iterable<string>) => new Set([...tools].map((tool) => tool.split(".")[0]));
    const touched = modules(runs.flatMap((run) => run.transcript.conversation.actions.map((action) => action.toolName)));
    expect([...modules(offered)].filter((module) => !touched.has(module))).toEqual([]);
    const verified = new Set(writes.filter((write) => write.status === "verified").map((write) => write.tool));
    expect([...offered].filter((tool) => checked(tool) && !verified.has(tool))).toEqual([]);

    // Like people: titles come back on other days, what was just made is changed in the same run, older todos are done.
    const ok = (run: RunDetail) => run.transcript.conversation.actions.filter((action) => action.result === "ok");
    const titles = runs.flatMap((run) => [...new Set(ok(run).filter((action) => CREATES.includes(action.toolName)).map((action) => `${run.persona.userId} ${String((action.input as Json).title)}`))]);
    expect(titles.length - new Set(titles).size, "titles used again on another day").toBeGreaterThan(0);
    const changedHere = runs.flatMap((run) => {
      const made = new Set(ok(run).filter((action) => !CHANGES.includes(action.toolName)).map(idOf));
      return ok(run).filter((action) => CHANGES.includes(action.toolName) && made.has(idOf(action)));
    });
    expect(changedHere.length, "changes of what the same run made").toBeGreaterThan(0);
    const olderTodos = runs.flatMap((run) => {
      const made = new Set(ok(run).filter((action) => action.toolName === "todo.create").map(idOf));
      return ok(run).filter((action) => action.toolName === "todo.complete" && !made.has(idOf(action)));
    });
    expect(olderTodos.length, "todos of earlier days completed").toBeGreaterThan(0);

    // Each run's checks fit the default VERIFY_MAX_CALLS: no check is left unverified for the call limit.
    expect(writes.filter((write) => write.detail?.startsWith("verification call limit"))).toEqual([]);
  });
});

describe("verification of the stand-in's defects, played by the personas", () => {
  it("update-blind reads: creates stay verified, every change reads back as a mismatch", { timeout: 240_000 }, async () => {
    await playDays(3);
    await mcpDefects({ updateBlindReads: true });
    const before = new Set((await allRuns()).map((run) => run.runId));
    const runs = (await playDays(4, 3)).filter((run) => !before.has(run.runId));
    const writes = writesOf(runs);
    expect(writes.filter((write) => !CHANGES.includes(write.tool) && checked(write.tool) && write.status !== "verified")).toEqual([]);
    const changes = writes.filter((write) => CHANGES.includes(write.tool));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.filter((write) => write.status !== "mismatch" && write.status !== "missing")).toEqual([]);
  });

  it("a new write tool reading back different opens 'write not visible' for it", { timeout: 240_000 }, async () => {
    // Hourly personas ticked every two hours: evidence enough within the findings' window, however rare the tool.
    await stackJson("/__stack/auth/cadence", send("PUT", { cadence: "hourly" }));
    await mcpDefects({ readBackDiffers: { tool: "augur.captureSign", field: "claim" } });
    const id = "write-not-visible:augur.captureSign";
    let finding: Finding | undefined;
    for (let tick = 0; tick < 7 * 12 && !finding; tick++) {
      vi.setSystemTime(START + tick * 2 * HOUR);
      await diagTick();
      finding = ((await (await SELF.fetch("http://runner.test/findings")).json()) as FindingsList).open.find((open) => open.id === id);
    }
    expect(finding?.verdict.signatures[0]?.signature).toBe("mismatch: differs in claim");
  });
});
