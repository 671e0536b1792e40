/** @module mana-mcp's tool surface: a change counts once two runs saw it, stale runs cannot undo it, schemas settle, diffs name fields. */
import { describe, expect, it } from "vitest";
import { observeSurface, schemaDiff, settle, type SurfaceState } from "./surface";

const first = observeSurface(undefined, { at: 100, runId: "r0", surface: [["todo.create", "a"], ["todo.list", "b"]] }, 2).state;

describe("observeSurface", () => {
  it("takes the first surface it sees as the baseline, silently", () => {
    expect(first).toEqual({ tools: { "todo.create": "a", "todo.list": "b" }, baseline: { "todo.create": "a", "todo.list": "b" }, changedAt: {}, observedAt: 100 });
  });

  it("applies a change once a second run has seen the same new surface", () => {
    const changed = [["todo.create", "c"], ["todo.list", "b"], ["todo.complete", "d"]] as [string, string][];
    const once = observeSurface(first, { at: 200, runId: "r1", surface: changed }, 2);
    expect(once.changes).toEqual([]);
    const twice = observeSurface(once.state, { at: 210, runId: "r2", surface: changed }, 2);
    expect(twice.changes).toEqual([
      { tool: "todo.complete", change: "added", to: "d" },
      { tool: "todo.create", change: "changed", from: "a", to: "c" },
    ]);
    expect(twice.state.baseline).toEqual({ "todo.create": "a", "todo.list": "b", "todo.complete": "d" });
    expect(twice.state.changedAt).toEqual({ "todo.complete": 210, "todo.create": 210 });
  });

  it("does not count the same run twice, and ignores a run that listed its tools before the surface in force", () => {
    const removed = [["todo.list", "b"]] as [string, string][];
    const once = observeSurface(first, { at: 200, runId: "r1", surface: removed }, 2);
    expect(observeSurface(once.state, { at: 200, runId: "r1", surface: removed }, 2).changes).toEqual([]);
    const applied = observeSurface(once.state, { at: 220, runId: "r3", surface: removed }, 2);
    expect(applied.changes).toEqual([{ tool: "todo.create", change: "removed", from: "a" }]);
    expect(observeSurface(applied.state, { at: 150, runId: "old", surface: [["todo.create", "a"], ["todo.list", "b"]] }, 2).state).toBe(applied.state);
  });
});

describe("settle", () => {
  it("makes a changed schema the baseline once it has been in force for the settling time", () => {
    const state: SurfaceState = { tools: { "todo.create": "c" }, baseline: { "todo.create": "a" }, changedAt: { "todo.create": 1_000 }, observedAt: 1_000 };
    expect(settle(state, 1_000 + 999, 1_000)).toBe(state);
    expect(settle(state, 2_000, 1_000).baseline).toEqual({ "todo.create": "c" });
  });
});

describe("schemaDiff", () => {
  it("names each field added, removed, changed or made required", () => {
    const before = { type: "object", properties: { title: { type: "string", maxLength: 500 }, priority: { type: "string", enum: ["low", "high"] }, tags: { type: "array" } }, required: ["title"] };
    const after = { type: "object", properties: { title: { type: "string", maxLength: 500 }, priority: { type: "string", enum: ["low", "high", "urgent"] }, source: { type: "string", minLength: 1 } }, required: ["title", "source"] };
    expect(schemaDiff(before, after)).toEqual(["~ priority: string of low/high → string of low/high/urgent", "+ source (string, minLength 1, required)", "− tags"]);
    expect(schemaDiff({ properties: { a: { type: "string" } } }, { properties: { a: { type: "string" } }, required: ["a"] })).toEqual(["~ a: now required"]);
  });
});
