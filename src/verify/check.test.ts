/** @module Read-after-write checks on the real result shapes: entities found by id at any depth, final states, removals, cut lists, the call limit, resume. */
import { describe, expect, it } from "vitest";
import type { ActionRecord } from "../claude/conversation";
import { judge, NO_READ_PATH, planChecks, type ReadGroup } from "./check";
import { type VerificationStep, verifyWrites } from "./verify";

let next = 0;
function call(toolName: string, input: object, output: object | string, result: "ok" | "error" = "ok"): ActionRecord {
  next++;
  return { toolUseId: `t${next}`, toolName, input, inputHash: "h", result, output: typeof output === "string" ? output : JSON.stringify(output), latencyMs: 1, at: "" };
}

/** A read of this run that listed the entity: a change to it can then be checked. */
const seen = (id: string) => call("todo.list", { includeCompleted: true }, { tasks: [{ id }] });

const NOW = Date.parse("2026-11-24T09:00:00.000Z");
const task = { id: "8f3a1c2e-1111-4222-8333-944455556666", title: "Einkaufen", priority: "high", isCompleted: false };
const habit = { id: "5b0c7e1a-2222-4333-8444-a55566667777", title: "Lesen", icon: "book", color: "#6366f1", isArchived: false };

function only(actions: ActionRecord[]): ReadGroup {
  const { groups } = planChecks(actions);
  expect(groups).toHaveLength(1);
  return groups[0] as ReadGroup;
}

/** The verdicts of one read answering `answer` for the run's writes. */
function verdicts(actions: ActionRecord[], answer: object) {
  return judge(only(actions), { ok: true, text: JSON.stringify(answer) }).map(({ tool, status, detail, diffs }) => ({ tool, status, detail, diffs }));
}

describe("planChecks", () => {
  it("checks each successful write once, groups writes that one read can check, and says why the others cannot be checked", () => {
    const plan = planChecks([
      call("todo.create", { title: "Einkaufen", priority: "high" }, { task }),
      call("todo.create", { title: "Putzen" }, { task: { ...task, id: "b", title: "Putzen" } }),
      call("todo.list", {}, { tasks: [] }),
      call("todo.complete", { id: "x" }, "Tool todo.complete failed: todo x not found", "error"),
      call("journal.add", { content: "Heute…" }, { entry: { id: "j" } }),
      call("calendar.list", {}, { events: [] }),
      call("dreams.record", { text: "Ich flog" }, { dream: { id: "d" } }),
    ]);
    expect(plan.groups.map((group) => [group.read.tool, group.checks.length])).toEqual([["todo.list", 2]]);
    expect(plan.unverifiable.map((check) => [check.tool, check.detail])).toEqual([
      ["journal.add", "mana-mcp has no tool that reads journal entries back"],
      // The wire carries no policyHint: a tool not known as a read is a write, and one the table does not know has no read path.
      ["calendar.list", NO_READ_PATH],
      ["dreams.record", NO_READ_PATH],
    ]);
  });

  it("never guesses: a write whose result carries no id is unverifiable, however well its fields would match", () => {
    const plan = planChecks([call("todo.create", { title: "Einkaufen" }, "ok"), call("habits.create", { title: "Lesen" }, { id: habit.id })]);
    expect(plan.groups).toEqual([]);
    expect(plan.unverifiable.map((check) => [check.tool, check.status, check.detail])).toEqual([
      ["todo.create", "unverifiable", "no id at task.id in the result"],
      ["habits.create", "unverifiable", "no id at habit.id in the result"],
    ]);
  });
});

describe("judge: the entity is found by the id the write returned, at the depth the real tool nests it", () => {
  const cases: [string, object, object, string, object][] = [
    ["todo.create", { title: "Einkaufen", priority: "high" }, { task }, "tasks", task],
    ["habits.create", { title: "Lesen", icon: "book" }, { habit }, "habits", habit],
    ["notes.create", { title: "Rezept" }, { note: { id: "n1", title: "Rezept" } }, "notes", { id: "n1", title: "Rezept", content: "" }],
    ["mood.log", { level: 7, emotion: "calm" }, { entry: { id: "m1", date: "2026-11-24" } }, "entries", { id: "m1", level: 7, emotion: "calm", date: "2026-11-24" }],
    ["augur.captureSign", { kind: "hunch", source: "Bauch", claim: "Regen" }, { entryId: "s1", kind: "hunch", source: "Bauch" }, "entries", { id: "s1", kind: "hunch", source: "Bauch", claim: "Regen" }],
    ["comic.createStory", { title: "Regentag", style: "manga", characterMediaIds: ["f"] }, { story: { id: "st1" } }, "stories", { id: "st1", title: "Regentag", style: "manga", characterMediaIds: ["f"] }],
    ["comic.createCharacter", { name: "Ich", style: "comic", sourceFaceMediaId: "f" }, { character: { id: "c1" } }, "characters", { id: "c1", name: "Ich", style: "comic", sourceFaceMediaId: "f" }],
    ["wardrobe.createOutfit", { name: "Büro", garmentIds: ["g1"] }, { outfit: { id: "o1" } }, "outfits", { id: "o1", name: "Büro", garmentIds: ["g1"] }],
  ];

  it.each(cases)("%s: verified when the read lists that id with the asked fields, missing when it lists none", (tool, input, output, list, row) => {
    const actions = [call(tool, input, output)];
    expect(verdicts(actions, { [list]: [{ id: "older" }, row] })[0]).toMatchObject({ status: "verified" });
    expect(verdicts(actions, { [list]: [{ ...row, id: "older" }] })[0]).toMatchObject({ status: "missing", detail: expect.stringMatching(/^no entity with id \S+ in the read$/) });
  });

  it("reports the fields that differ", () => {
    const [result] = verdicts([call("todo.create", { title: "Einkaufen", priority: "high" }, { task })], { tasks: [{ ...task, priority: "low" }] });
    expect(result).toMatchObject({ status: "mismatch", detail: "differs in priority", diffs: [{ field: "priority", expected: "high", actual: "low" }] });
  });

  it("compares instants whatever their offsets", () => {
    const actions = [call("todo.create", { title: "Arzt", dueDate: "2026-11-28T10:00:00+01:00" }, { task: { ...task, title: "Arzt" } })];
    expect(verdicts(actions, { tasks: [{ ...task, title: "Arzt", dueDate: "2026-11-28T09:00:00.000Z" }] })[0]).toMatchObject({ status: "verified" });
  });

  it("reports a failed read with its error, and a read without its list", () => {
    const group = only([call("todo.create", { title: "Einkaufen" }, { task })]);
    expect(judge(group, { ok: false, error: "Tool todo.list failed: boom" })[0]).toMatchObject({ status: "read failed", detail: "todo.list: Tool todo.list failed: boom" });
    // The stand-in's old shape: against the real service every todo check ended here.
    expect(judge(group, { ok: true, text: JSON.stringify({ todos: [task] }) })[0]).toMatchObject({ status: "read failed", detail: 'todo.list answered without a "tasks" list' });
  });
});

describe("judge: a read that cannot cover the entity", () => {
  it("is unverifiable, never missing, when the list reached its limit without the entity; found among the rows it is judged", () => {
    const actions = [call("todo.create", { title: "Einkaufen" }, { task })];
    const full = Array.from({ length: 500 }, (_, index) => ({ id: `old-${index}`, title: "Alt" }));
    expect(verdicts(actions, { tasks: full })[0]).toMatchObject({ status: "unverifiable", detail: "not listed, but todo.list returned its limit of 500 rows" });
    expect(verdicts(actions, { tasks: [...full.slice(1), task] })[0]).toMatchObject({ status: "verified" });
    expect(verdicts(actions, { tasks: full.slice(1) })[0]).toMatchObject({ status: "missing" });
  });

  it("reads a mood entry's own day, which mood.today lists whole", () => {
    const { groups } = planChecks([call("mood.log", { level: 5, emotion: "calm" }, { entry: { id: "m1", date: "2026-08-01" } })]);
    expect(groups.map((group) => [group.read.tool, group.args])).toEqual([["mood.today", { date: "2026-08-01" }]]);
  });
});

describe("judge: state changes and removals", () => {
  const sign = { entryId: "s1", outcome: "fulfilled" };

  it("a resolved sign is verified by being gone from the open signs, a mismatch while it is still listed", () => {
    const resolved = [seen("s1"), call("augur.resolveSign", sign, sign)];
    expect(verdicts(resolved, { entries: [{ id: "s2" }] })[0]).toMatchObject({ status: "verified" });
    expect(verdicts(resolved, { entries: [{ id: "s1" }] })[0]).toMatchObject({
      status: "mismatch",
      detail: "still listed by augur.listOpenSigns",
      diffs: [{ field: "outcome", expected: "fulfilled", actual: "open" }],
    });
    const full = Array.from({ length: 100 }, (_, index) => ({ id: `open-${index}` }));
    expect(verdicts(resolved, { entries: full })[0]).toMatchObject({ status: "unverifiable", detail: "not listed, but augur.listOpenSigns returned its limit of 100 rows" });
  });

  it("a sign captured and resolved in one run: the capture cannot be judged any more, the resolution can", () => {
    const plan = planChecks([
      call("augur.captureSign", { kind: "hunch", source: "Bauch", claim: "Regen" }, { entryId: "s1", kind: "hunch", source: "Bauch" }),
      call("augur.resolveSign", sign, sign),
    ]);
    expect(plan.unverifiable).toMatchObject([{ tool: "augur.captureSign", status: "unverifiable", detail: "augur.resolveSign later in this run takes it out of augur.listOpenSigns" }]);
    expect(plan.groups[0]?.checks.map((check) => check.action.toolName)).toEqual(["augur.resolveSign"]);
  });

  it("reordered panels read back in the new order; the old order is a mismatch", () => {
    const order = ["p3", "p1", "p2"];
    const reordered = [seen("st1"), call("comic.reorderPanels", { storyId: "st1", panelImageIds: order }, { storyId: "st1", panelImageIds: order })];
    expect(verdicts(reordered, { stories: [{ id: "st1", panelImageIds: order }] })[0]).toMatchObject({ status: "verified" });
    expect(verdicts(reordered, { stories: [{ id: "st1", panelImageIds: ["p1", "p2", "p3"] }] })[0]).toMatchObject({ status: "mismatch", detail: "differs in panelImageIds" });
  });

  it("a completed todo and an archived habit read back as such", () => {
    expect(verdicts([seen(task.id), call("todo.complete", { id: task.id }, { ok: true })], { tasks: [{ ...task, isCompleted: true }] })[0]).toMatchObject({ status: "verified" });
    expect(verdicts([seen(task.id), call("todo.complete", { id: task.id }, { ok: true })], { tasks: [task] })[0]).toMatchObject({ status: "mismatch", diffs: [{ field: "isCompleted", expected: true, actual: false }] });
    expect(verdicts([seen(habit.id), call("habits.archive", { id: habit.id }, { ok: true })], { habits: [habit] })[0]).toMatchObject({ status: "mismatch", diffs: [{ field: "isArchived" }] });
  });

  it("generated variants must all be in the character's pool, and the pin is the last write's to check", () => {
    const actions = [
      call("comic.generateVariant", { characterId: "c1", count: 2 }, { characterId: "c1", newVariantMediaIds: ["v4", "v5"], imageUrls: [], pinnedVariantId: "v1" }),
      call("comic.pinVariant", { characterId: "c1", variantMediaId: "v5" }, { characterId: "c1", pinnedVariantId: "v5" }),
    ];
    const character = { id: "c1", variantMediaIds: ["v1", "v4", "v5"], pinnedVariantId: "v5" };
    expect(verdicts(actions, { characters: [character] }).map((check) => check.status)).toEqual(["verified", "verified"]);
    const lost = verdicts(actions, { characters: [{ ...character, variantMediaIds: ["v1", "v4"] }] });
    expect(lost[0]).toMatchObject({ status: "mismatch", diffs: [{ field: "variantMediaIds", expected: { contains: ["v4", "v5"] }, actual: ["v1", "v4"] }] });
  });
});

describe("judge: writes of one entity in one run are judged against its final state", () => {
  const created = call("habits.create", { title: "Lesen" }, { habit });
  const renamed = call("habits.update", { id: habit.id, title: "Mehr lesen" }, { ok: true });

  it("a habit renamed later: the create is not wrong for the new title, the rename is checked", () => {
    expect(verdicts([created, renamed], { habits: [{ ...habit, title: "Mehr lesen" }] }).map((check) => [check.tool, check.status])).toEqual([
      ["habits.create", "verified"],
      ["habits.update", "verified"],
    ]);
    expect(verdicts([created, renamed], { habits: [habit] }).map((check) => [check.tool, check.status])).toEqual([
      ["habits.create", "verified"],
      ["habits.update", "mismatch"],
    ]);
  });

  it("an older habit of the same title never stands in for the one this run created", () => {
    expect(verdicts([created], { habits: [{ ...habit, id: "older" }] })[0]).toMatchObject({ status: "missing" });
    expect(verdicts([seen(habit.id), renamed], { habits: [{ ...habit, id: "older", title: "Mehr lesen" }, habit] })[0]).toMatchObject({ status: "mismatch" });
  });
});

describe("planChecks: what no read can settle", () => {
  it("does not judge a change to an id no earlier call of the run answered: the real tools push it unlooked, a made-up id answers ok", () => {
    const plan = planChecks([call("augur.resolveSign", { entryId: "made-up", outcome: "fulfilled" }, { entryId: "made-up", outcome: "fulfilled" })]);
    expect(plan.groups).toEqual([]);
    expect(plan.unverifiable[0]).toMatchObject({ tool: "augur.resolveSign", status: "unverifiable", detail: expect.stringMatching(/^id made-up was not answered by any earlier call/) });
  });

  it("does not judge a write that a later call of the run may have changed without a check of its own", () => {
    const created = call("todo.create", { title: "Einkaufen" }, { task });
    for (const later of [
      call("todo.update", { id: task.id, title: "Brot kaufen" }, { ok: true }),
      { ...call("habits.update", { id: task.id, title: "x" }, "reply lost, effect unknown: terminated", "error"), errorMessage: "reply lost, effect unknown: terminated" },
    ]) {
      const plan = planChecks([created, later]);
      expect(plan.unverifiable.find((check) => check.tool === "todo.create")).toMatchObject({ status: "unverifiable", detail: expect.stringMatching(new RegExp(`^${later.toolName} later in this run may have changed it`)) });
    }
    const failedCleanly = { ...call("todo.complete", { id: task.id }, "Tool todo.complete failed: mana-sync push failed: 503", "error"), errorMessage: "Tool todo.complete failed: mana-sync push failed: 503" };
    expect(planChecks([created, failedCleanly]).groups).toHaveLength(1);
  });

  it("says so when the result that held the id was cut before it was stored", () => {
    const long = `{"task":{"description":"${"x".repeat(17_000)}`;
    const plan = planChecks([call("todo.create", { title: "Lang" }, `${long.slice(0, 16_000)}…[truncated: 1.0 KB]`)]);
    expect(plan.unverifiable[0]?.detail).toBe("no id at task.id in the result (the result was cut at 16000 characters when it was stored)");
  });
});

describe("verifyWrites", () => {
  const writes = [
    call("todo.create", { title: "A" }, { task: { ...task, id: "a", title: "A" } }),
    call("habits.create", { title: "Wasser" }, { habit: { ...habit, id: "h", title: "Wasser" } }),
  ];

  async function verify(options: { offered: string[]; maxCalls: number; done?: VerificationStep[] }) {
    const steps: VerificationStep[] = [];
    const calls: string[] = [];
    await verifyWrites(writes, options.done ?? [], options.maxCalls, {
      offered: new Set(options.offered),
      call: async (tool) => (calls.push(tool), { kind: "result", text: JSON.stringify({ tasks: [{ ...task, id: "a", title: "A" }], habits: [] }), isError: false }),
      record: async (step) => void steps.push(step),
      now: () => NOW,
    });
    return { steps, calls };
  }

  it("makes at most the allowed number of read calls, and says so for the rest", async () => {
    const { steps, calls } = await verify({ offered: ["todo.list", "habits.list"], maxCalls: 1 });
    expect(calls).toEqual(["todo.list"]);
    expect(steps.flatMap((step) => step.checks.map((check) => [check.tool, check.status, check.detail]))).toEqual([
      ["todo.create", "verified", undefined],
      ["habits.create", "unverifiable", "verification call limit 1 reached"],
    ]);
  });

  it("calls no read tool the session does not offer", async () => {
    const { steps, calls } = await verify({ offered: ["todo.list"], maxCalls: 5 });
    expect(calls).toEqual(["todo.list"]);
    expect(steps[1]?.checks[0]).toMatchObject({ status: "unverifiable", detail: "read tool habits.list is not offered by this session" });
  });

  it("after a resume, checks only what was not checked yet", async () => {
    const first = await verify({ offered: ["todo.list", "habits.list"], maxCalls: 5 });
    const again = await verify({ offered: ["todo.list", "habits.list"], maxCalls: 5, done: first.steps.slice(0, 1) });
    expect(again.calls).toEqual(["habits.list"]);
  });
});
