/** @module The coverage map's aggregation: figures per tool and module, tools never called, gone or withheld, modules wanted but not offered. */
import { describe, expect, it } from "vitest";
import { type CheckCounts, type CoverageWindow, coverageDigest, coverageMap, NO_CHECKS, type ToolTally, verificationOf } from "./map";

const SINCE = Date.parse("2026-11-19T00:00:00Z");
const POLICY = { allow: ["*"], deny: ["comic.generatePanel"] };

const tally = (calls: number, failed = 0, checks: Partial<CheckCounts> = {}): ToolTally => ({ calls, failed, checks: { ...NO_CHECKS, ...checks } });

const window = (overrides: Partial<CoverageWindow> = {}): CoverageWindow => ({
  since: SINCE,
  tools: {
    "todo.create": tally(8, 2, { verified: 3, missing: 1, mismatch: 1, readFailed: 1 }),
    "todo.list": tally(4),
    "journal.add": tally(2, 0, { unverifiable: 2 }),
  },
  personas: {
    tool: { "todo.create": 3, "todo.list": 2, "journal.add": 1 },
    module: { todo: 4, journal: 1 },
    wanted: { todo: 5, journal: 2, calendar: 4, contacts: 2 },
    mentioned: { calendar: 1, dreams: 1 },
  },
  ...overrides,
});

const OFFERED = ["comic.generatePanel", "journal.add", "notes.create", "todo.complete", "todo.create", "todo.list"];

describe("coverageMap", () => {
  const map = coverageMap(window(), { offered: OFFERED, removed: [] }, POLICY);

  it("gives each tool its calls, personas, failure share and, for writes, the shares verified, missing, read failed and unverifiable", () => {
    expect(map.tools.find((tool) => tool.tool === "todo.create")).toEqual({
      tool: "todo.create",
      module: "todo",
      status: "offered",
      verification: "checked",
      calls: 8,
      personas: 3,
      failed: 2,
      failureShare: 0.25,
      writes: { checks: 6, verified: 3, missing: 1, mismatch: 1, readFailed: 1, unverifiable: 0, verifiedShare: 0.5, missingShare: 2 / 6, readFailedShare: 1 / 6, unverifiableShare: 0 },
    });
    expect(map.tools.find((tool) => tool.tool === "todo.list")).toMatchObject({ calls: 4, failureShare: 0, verification: "read" });
    expect(map.tools.find((tool) => tool.tool === "todo.list")).not.toHaveProperty("writes");
    expect(map.tools.find((tool) => tool.tool === "journal.add")?.writes).toMatchObject({ unverifiable: 2, unverifiableShare: 1 });
  });

  it("lists every tool offered, withheld ones as such, and the offered ones nobody called", () => {
    expect(map.tools.map((tool) => [tool.tool, tool.status])).toEqual([
      ["comic.generatePanel", "withheld"],
      ["journal.add", "offered"],
      ["notes.create", "offered"],
      ["todo.complete", "offered"],
      ["todo.create", "offered"],
      ["todo.list", "offered"],
    ]);
    expect(map.tools.find((tool) => tool.tool === "notes.create")).toMatchObject({ calls: 0, personas: 0, failureShare: null });
    expect(map.neverCalled).toEqual(["notes.create", "todo.complete"]);
    expect(map.summary).toEqual({ toolsOffered: 5, toolsCalled: 3, modulesOffered: 3, modulesExercised: 2, calls: 14 });
  });

  it("sums a module's tools, with its own distinct personas and who wanted or named it", () => {
    expect(map.modules.find((module) => module.module === "todo")).toMatchObject({
      offered: true,
      toolsOffered: 3,
      toolsCalled: 2,
      calls: 12,
      personas: 4,
      failed: 2,
      failureShare: 2 / 12,
      wantedBy: 5,
      mentionedBy: 0,
      writes: { checks: 6, verified: 3 },
    });
    // A module whose only tool is withheld is not offered to the personas.
    expect(map.modules.find((module) => module.module === "comic")).toMatchObject({ offered: false, toolsOffered: 0, calls: 0 });
  });

  it("names the modules personas wanted or mentioned that no offered tool belongs to, most wanted first", () => {
    expect(map.wantedNotOffered).toEqual([
      { module: "calendar", wantedBy: 4, mentionedBy: 1 },
      { module: "contacts", wantedBy: 2, mentionedBy: 0 },
      { module: "dreams", wantedBy: 0, mentionedBy: 1 },
    ]);
  });

  it("moves a tool called or removed this week but gone from the surface to no longer offered", () => {
    const removedAt = SINCE + 3 * 86_400_000;
    const gone = coverageMap(window(), { offered: OFFERED.filter((tool) => tool !== "journal.add" && tool !== "notes.create"), removed: [{ tool: "notes.create", at: removedAt }] }, POLICY);
    expect(gone.noLongerOffered).toEqual([
      { tool: "journal.add", calls: 2 },
      { tool: "notes.create", calls: 0, removedAt },
    ]);
    expect(gone.tools.find((tool) => tool.tool === "journal.add")).toMatchObject({ status: "no longer offered", calls: 2, personas: 1 });
    expect(gone.neverCalled).toEqual(["todo.complete"]);
    expect(gone.wantedNotOffered.map((entry) => entry.module)).toContain("journal");
  });

  it("counts a write tool the verification table does not know as unverifiable, shown as unknown to the table", () => {
    const grown = coverageMap(
      window({ tools: { "calendar.create": tally(3, 0, { unverifiable: 3 }) }, personas: { tool: { "calendar.create": 2 }, module: { calendar: 2 }, wanted: { calendar: 4 }, mentioned: {} } }),
      { offered: ["calendar.create"], removed: [] },
      POLICY,
    );
    expect(grown.tools).toEqual([
      expect.objectContaining({ tool: "calendar.create", status: "offered", verification: "unknown", calls: 3, personas: 2, writes: expect.objectContaining({ unverifiable: 3, unverifiableShare: 1 }) }),
    ]);
    expect(grown.wantedNotOffered).toEqual([]);
  });

  it("before any run listed the tools, counts what was called as offered", () => {
    const early = coverageMap(window(), { offered: undefined, removed: [] }, POLICY);
    expect(early.surfaceKnown).toBe(false);
    expect(early.tools.map((tool) => [tool.tool, tool.status])).toEqual([
      ["journal.add", "offered"],
      ["todo.create", "offered"],
      ["todo.list", "offered"],
    ]);
    expect(early.noLongerOffered).toEqual([]);
  });

  it("keeps the digest to the summary and the three lists", () => {
    expect(coverageDigest(map)).toEqual({
      days: 7,
      summary: map.summary,
      neverCalled: map.neverCalled,
      noLongerOffered: map.noLongerOffered,
      wantedNotOffered: map.wantedNotOffered,
    });
  });
});

describe("verificationOf", () => {
  it("reads the verification table: reads, checked writes, writes without a read path, tools it does not know", () => {
    expect(["todo.list", "todo.create", "journal.add", "calendar.create"].map(verificationOf)).toEqual(["read", "checked", "no read path", "unknown"]);
  });
});
