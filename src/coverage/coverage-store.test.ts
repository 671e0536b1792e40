/** @module The coverage store inside the findings object: a week of figures, distinct personas counted exactly and pruned by age, a read that does not grow with the fleet. */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CallOutcome, RunEvidence } from "../findings/evidence";
import type { Findings } from "../findings/findings";

const runner: Env = env;
/** Before the digest hour, so no digest is built while a test counts reads. */
const NOW = Date.parse("2026-11-25T03:00:00Z");
const DAY = 24 * 3_600_000;

beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: NOW, shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

let runs = 0;
const evidence = (persona: number, calls: CallOutcome[], extra: Partial<RunEvidence> = {}): RunEvidence => ({
  runId: `run-${++runs}`,
  userId: `user-${persona}`,
  persona: `persona.p${persona}@mana.test`,
  finishedAt: Date.now(),
  outcome: "succeeded",
  calls,
  checks: [],
  ratings: [],
  usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
  costUsd: 0,
  durationMs: 1_000,
  ...extra,
});
const call = (tool: string, ok = true): CallOutcome => ({ tool, ok, latencyMs: 10, ...(ok ? {} : { origin: "app" as const, error: `Tool ${tool} failed` }) });

const freshFindings = () => runner.FINDINGS.get(runner.FINDINGS.idFromName(`coverage-test-${crypto.randomUUID()}`));
const tool = (findings: Findings, name: string) => findings.coverage().tools.find((entry) => entry.tool === name);

describe("coverage in the findings object", () => {
  it("counts persona calls, failures and checks, each persona once per tool and module, verification's reads and redeliveries not at all", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const first = evidence(1, [call("todo.create"), call("todo.create", false), { ...call("todo.list"), verification: true }], {
        checks: [{ tool: "todo.create", status: "verified" }],
        wanted: ["todo", "calendar"],
        mentioned: ["calendar"],
      });
      findings.ingest(first);
      findings.ingest(first);
      findings.ingest(evidence(1, [call("todo.create")], { checks: [{ tool: "todo.create", status: "missing" }], wanted: ["todo", "calendar"] }));
      findings.ingest(evidence(2, [call("todo.list")], { wanted: ["calendar"] }));
      const map = findings.coverage();
      expect(tool(findings, "todo.create")).toMatchObject({ calls: 3, failed: 1, personas: 1, writes: { checks: 2, verified: 1, missing: 1 } });
      expect(tool(findings, "todo.list")).toMatchObject({ calls: 1, personas: 1 });
      expect(map.modules.find((module) => module.module === "todo")).toMatchObject({ calls: 4, personas: 2, wantedBy: 1 });
      expect(map.wantedNotOffered).toEqual([{ module: "calendar", wantedBy: 2, mentionedBy: 1 }]);
    });
  });

  it("forgets what is older than the week, a persona seen again since staying counted", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      findings.ingest(evidence(1, [call("notes.create")], { wanted: ["dreams"], surface: [["notes.create", "fp"]], startedAt: NOW }));
      findings.ingest(evidence(2, [call("notes.create")], { wanted: ["dreams"] }));
      vi.setSystemTime(NOW + 4 * DAY);
      findings.ingest(evidence(2, [call("notes.create")]));
      vi.setSystemTime(NOW + 7 * DAY);
      findings.heartbeat();
      expect(tool(findings, "notes.create")).toMatchObject({ calls: 1, personas: 1 });
      expect(findings.coverage().wantedNotOffered).toEqual([]);
      vi.setSystemTime(NOW + 11 * DAY);
      findings.heartbeat();
      expect(tool(findings, "notes.create")).toMatchObject({ calls: 0, personas: 0, status: "offered" });
      findings.ingest(evidence(3, [call("notes.create")], { finishedAt: NOW }));
      expect(tool(findings, "notes.create"), "a run from a day out of the window counts for nothing").toMatchObject({ calls: 0, personas: 0 });
    });
  });

  it("reads as many rows for 400 personas as for 10", async () => {
    const rowsRead = async (personas: number) =>
      runInDurableObject(freshFindings(), async (findings: Findings, state) => {
        for (let n = 1; n <= personas; n++) findings.ingest(evidence(n, [call("todo.create"), call("notes.create")], { wanted: ["todo", "calendar"], mentioned: ["calendar"] }));
        const exec = vi.spyOn(state.storage.sql, "exec");
        const map = findings.coverage();
        const read = exec.mock.results.reduce((sum, result) => sum + (result.value as SqlStorageCursor<Record<string, SqlStorageValue>>).rowsRead, 0);
        exec.mockRestore();
        expect(map.modules.find((module) => module.module === "calendar")?.wantedBy).toBe(personas);
        return read;
      });
    expect(await rowsRead(400)).toBe(await rowsRead(10));
  });
});
