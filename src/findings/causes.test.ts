/** @module Causes, not symptoms: a module down is one cause, tools failing alike are one, open findings adopt what their tools joined. */
import { describe, expect, it } from "vitest";
import { groupCauses, reconcile, sharedSignature, type ToolVerdict } from "./causes";
import type { Verdict } from "./verdict";

const verdict = (tool: string, error = `Tool ${tool} failed: mana-sync push failed: 503 Service Unavailable`): Verdict => ({
  holds: true,
  title: `${tool} is failing`,
  summary: `5 of the last 5 calls of ${tool} failed`,
  counts: { calls: 5, failed: 5 },
  signatures: [{ signature: error, count: 5 }],
  examples: [{ runId: `run-${tool}`, userId: "u1", persona: "anna", at: 1_000 }],
  tools: [tool],
  personas: ["anna"],
});
const holding = (...tools: string[]): ToolVerdict[] => tools.map((tool) => ({ tool, verdict: verdict(tool) }));
const nothingWorks = () => new Set<string>();
const FAILING = { total: "calls", bad: "failed", what: "calls", verb: "failed" };
const NOT_VISIBLE = { total: "checks", bad: "notVisible", what: "writes", verb: "read back missing or different" };

describe("groupCauses", () => {
  it("makes every tool of a module failing at once one cause that names the tools", () => {
    const [cause, ...rest] = groupCauses(holding("mood.log", "mood.today", "mood.recent"), nothingWorks, FAILING);
    expect(rest).toEqual([]);
    expect(cause).toMatchObject({ subject: "module:mood", tools: ["mood.log", "mood.recent", "mood.today"], verdict: { title: "mood is failing: mood.log, mood.recent and mood.today" } });
    expect(cause?.verdict.counts).toEqual({ calls: 15, failed: 15 });
    expect(cause?.verdict.summary).toBe("15 of the last 15 calls of 3 tools failed: mood.log 5 of 5, mood.recent 5 of 5, mood.today 5 of 5");
  });

  it("is no module outage while another tool of the module works: tools failing alike are then one shared cause", () => {
    const reads = [
      { tool: "mood.today", verdict: verdict("mood.today", "Tool mood.today failed: undefined is not an object (evaluating 'x.changes.filter')") },
      { tool: "todo.list", verdict: verdict("todo.list", "Tool todo.list failed: undefined is not an object (evaluating 'x.changes.filter')") },
      { tool: "mood.recent", verdict: verdict("mood.recent", "Tool mood.recent failed: undefined is not an object (evaluating 'x.changes.filter')") },
    ];
    const causes = groupCauses(reads, (module) => new Set(module === "mood" ? ["mood.log"] : []), FAILING);
    expect(causes).toHaveLength(1);
    expect(causes[0]?.subject).toMatch(/^sig:[0-9a-f]{8}$/);
    expect(causes[0]?.verdict.title).toBe("mood.recent, mood.today and todo.list fail alike");
  });

  it("joins a whole module and other tools failing with the same error into one cause", () => {
    const missing = (tool: string) => ({ tool, verdict: verdict(tool, "missing: no entity with id <uuid> in the read") });
    const causes = groupCauses([missing("todo.create"), missing("todo.complete"), missing("notes.create")], nothingWorks, NOT_VISIBLE);
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({ tools: ["notes.create", "todo.complete", "todo.create"], verdict: { title: "notes.create, todo.complete and todo.create fail alike" } });
  });

  it("takes a module down as a whole when one tool holds and a rarely called sibling failed too, with none working since", () => {
    const sibling = { tool: "mood.today", verdict: { ...verdict("mood.today"), holds: false, counts: { calls: 2, failed: 2 } } };
    const [cause] = groupCauses([...holding("mood.log"), sibling], nothingWorks, FAILING);
    expect(cause).toMatchObject({ subject: "module:mood", tools: ["mood.log", "mood.today"] });
    const notDown = groupCauses([...holding("mood.log"), sibling], () => new Set(["mood.today"]), FAILING);
    expect(notDown.map((each) => each.subject)).toEqual(["mood.log"]);
  });

  it("leaves a tool failing its own way alone", () => {
    const causes = groupCauses([...holding("notes.create"), { tool: "todo.create", verdict: verdict("todo.create", "Tool todo.create failed: title too long") }], nothingWorks, FAILING);
    expect(causes.map((cause) => cause.subject).sort()).toEqual(["notes.create", "todo.create"]);
  });

  it("keeps an open group's tools that still hold with its error together as that group, also a module's tool it did not name yet", () => {
    const outage = sharedSignature(verdict("mood.log").signatures[0]!.signature);
    const mood = { subject: "module:mood", tools: ["mood.today", "mood.list"], covered: ["mood.today", "mood.list"], signatures: [outage] };
    const notes = { tool: "notes.create", verdict: verdict("notes.create", "Tool notes.create failed: title is required") };
    const causes = groupCauses([...holding("mood.today", "mood.log"), notes], nothingWorks, FAILING, [mood]);
    // Its tools are those holding now; it remembers every tool that held in it, each to settle before it resolves.
    expect(causes.map((cause) => [cause.subject, cause.tools, cause.verdict.covered])).toEqual([
      ["module:mood", ["mood.log", "mood.today"], ["mood.list", "mood.log", "mood.today"]],
      ["notes.create", ["notes.create"], undefined],
    ]);
    expect(causes[0]?.verdict).toMatchObject({ title: "mood is failing: mood.log and mood.today", tools: ["mood.log", "mood.today"] });
    const [tail] = groupCauses(holding("mood.log"), nothingWorks, FAILING, [mood]);
    expect(tail).toMatchObject({ subject: "module:mood", tools: ["mood.log"], verdict: { title: "mood is failing: mood.log", covered: ["mood.list", "mood.log", "mood.today"] } });
    const alike = { subject: "sig:0badc0de", tools: ["notes.search", "todo.list"], covered: ["notes.search", "todo.list"], signatures: [outage] };
    expect(groupCauses(holding("todo.list"), nothingWorks, FAILING, [alike])).toMatchObject([
      { subject: "sig:0badc0de", tools: ["todo.list"], verdict: { covered: ["notes.search", "todo.list"] } },
    ]);
  });

  it("lets a tool of an open group's module failing its own new way stand alone", () => {
    const mood = { subject: "module:mood", tools: ["mood.today"], covered: ["mood.today"], signatures: [sharedSignature(verdict("mood.today").signatures[0]!.signature)] };
    const bug = { tool: "mood.log", verdict: verdict("mood.log", "Tool mood.log failed: column \"score\" does not exist") };
    expect(groupCauses([bug], nothingWorks, FAILING, [mood]).map((cause) => cause.subject)).toEqual(["mood.log"]);
  });

  it("names a shared error without the tool's own name", () => {
    expect(sharedSignature("Tool todo.list failed: x")).toBe(sharedSignature("Tool habits.list failed: x"));
  });
});

describe("reconcile", () => {
  const [moduleCause] = groupCauses(holding("mood.log", "mood.today"), nothingWorks, FAILING);

  it("lets an open tool finding carry its module's cause when a sibling fails too: no second finding", () => {
    const result = reconcile([moduleCause!], [{ id: "tool-failing:mood.log", subject: "mood.log", tools: ["mood.log"], openedAt: 1 }]);
    expect(result).toEqual({ continued: [{ id: "tool-failing:mood.log", cause: moduleCause }], opened: [], merged: [], clear: [] });
  });

  it("merges other open findings the cause now covers into the oldest, and clears findings no cause touches", () => {
    const open = [
      { id: "tool-failing:mood.today", subject: "mood.today", tools: ["mood.today"], openedAt: 2 },
      { id: "tool-failing:mood.log", subject: "mood.log", tools: ["mood.log"], openedAt: 1 },
      { id: "tool-failing:notes.create", subject: "notes.create", tools: ["notes.create"], openedAt: 3 },
    ];
    const result = reconcile([moduleCause!], open);
    expect(result.continued.map((entry) => entry.id)).toEqual(["tool-failing:mood.log"]);
    expect(result.merged).toEqual([{ id: "tool-failing:mood.today", into: "tool-failing:mood.log" }]);
    expect(result.clear).toEqual(["tool-failing:notes.create"]);
  });

  it("continues the open finding of the cause's subject though they share no tool: a group's tail it had not named", () => {
    const [tail] = groupCauses(holding("mood.log"), nothingWorks, FAILING);
    const cause = { ...tail!, subject: "module:mood" };
    const open = [{ id: "tool-failing:mood.today", subject: "module:mood", tools: ["mood.today"], openedAt: 1 }];
    expect(reconcile([cause], open)).toEqual({ continued: [{ id: "tool-failing:mood.today", cause }], opened: [], merged: [], clear: [] });
  });

  it("opens a cause no open finding shares a tool with", () => {
    expect(reconcile([moduleCause!], []).opened).toEqual([moduleCause]);
  });
});
