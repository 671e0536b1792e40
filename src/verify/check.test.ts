/** @module Read-after-write checks: reads planned per write, verdicts verified/missing/mismatch, the call limit, offered tools, resume. */
import { describe, expect, it } from "vitest";
import type { ActionRecord } from "../claude/conversation";
import { judge, planChecks } from "./check";
import { READ_TOOLS, VERIFY_TABLE } from "./table";
import { type VerificationStep, verifyWrites } from "./verify";

let next = 0;
function call(toolName: string, input: object, output: object | string, result: "ok" | "error" = "ok"): ActionRecord {
  next++;
  return { toolUseId: `t${next}`, toolName, input, inputHash: "h", result, output: typeof output === "string" ? output : JSON.stringify(output), latencyMs: 1, at: "" };
}

const todo = { id: "8f3a1c2e-1111-4222-8333-944455556666", title: "Einkaufen", priority: "high", isCompleted: false };

describe("the verification table", () => {
  it("reads back only through read tools", () => {
    for (const entry of Object.values(VERIFY_TABLE)) if ("read" in entry) expect(READ_TOOLS.has(entry.read.tool), entry.read.tool).toBe(true);
  });
});

describe("planChecks", () => {
  it("checks each successful write once, groups writes that one read can check, and names what cannot be checked", () => {
    const plan = planChecks([
      call("todo.create", { title: "Einkaufen", priority: "high" }, todo),
      call("todo.create", { title: "Putzen" }, { ...todo, id: "b", title: "Putzen" }),
      call("todo.list", {}, { todos: [] }),
      call("todo.complete", { id: "x" }, "Tool todo.complete failed: todo x not found", "error"),
      call("journal.add", { content: "Heute…" }, { id: "j" }),
      call("augur.ask", { question: "?" }, { id: "a" }),
    ]);
    expect(plan.groups.map((group) => [group.read.tool, group.checks.length])).toEqual([["todo.list", 2]]);
    expect(plan.unverifiable.map((check) => [check.tool, check.detail])).toEqual([
      ["journal.add", "mana-mcp has no tool that reads journal entries back"],
      ["augur.ask", "augur.ask is not in the verification table"],
    ]);
  });
});

describe("judge", () => {
  const [group] = planChecks([call("todo.create", { title: "Einkaufen", priority: "high" }, todo)]).groups;
  if (!group) throw new Error("no group");

  it("finds the written entity by the id the write returned", () => {
    expect(judge(group, { ok: true, text: JSON.stringify({ todos: [todo] }) })[0]).toMatchObject({ status: "verified" });
  });

  it("reports a write that answered ok but is not in the read as missing", () => {
    expect(judge(group, { ok: true, text: JSON.stringify({ todos: [], total: 0 }) })[0]).toMatchObject({ status: "missing", detail: `no entity with id ${todo.id} in the read` });
  });

  it("reports the fields that differ", () => {
    const [result] = judge(group, { ok: true, text: JSON.stringify({ todos: [{ ...todo, priority: "low" }] }) });
    expect(result).toMatchObject({ status: "mismatch", diffs: [{ field: "priority", expected: "high", actual: "low" }] });
  });

  it("reports a failed read with its error, and a read without its list", () => {
    expect(judge(group, { ok: false, error: "Tool todo.list failed: boom" })[0]).toMatchObject({ status: "read failed", detail: "todo.list: Tool todo.list failed: boom" });
    expect(judge(group, { ok: true, text: "{}" })[0]).toMatchObject({ status: "read failed", detail: 'todo.list answered without a "todos" list' });
  });

  it("matches by fields when the write returned no id, and compares instants whatever their offsets", () => {
    const [byTitle] = planChecks([call("todo.create", { title: "Arzt", dueDate: "2026-11-28T10:00:00+01:00" }, "ok")]).groups;
    const read = { todos: [{ id: "z", title: "Arzt", dueDate: "2026-11-28T09:00:00.000Z" }] };
    expect(judge(byTitle as NonNullable<typeof byTitle>, { ok: true, text: JSON.stringify(read) })[0]).toMatchObject({ status: "verified" });
  });
});

describe("verifyWrites", () => {
  const writes = [call("todo.create", { title: "A" }, { ...todo, id: "a", title: "A" }), call("habits.create", { title: "Wasser" }, { id: "h", title: "Wasser" })];

  async function verify(options: { offered: string[]; maxCalls: number; done?: VerificationStep[] }) {
    const steps: VerificationStep[] = [];
    const calls: string[] = [];
    await verifyWrites(writes, options.done ?? [], options.maxCalls, {
      offered: new Set(options.offered),
      call: async (tool) => (calls.push(tool), { kind: "result", text: JSON.stringify({ todos: [{ ...todo, id: "a", title: "A" }], habits: [] }), isError: false }),
      record: async (step) => void steps.push(step),
      now: () => 0,
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

describe("writes of one entity in one run", () => {
  it("checks a field against the last write that set it, so an update does not make the create look wrong", () => {
    const habit = { id: "h1", title: "Wasser", color: "#6366f1" };
    const plan = planChecks([call("habits.create", { title: "Wasser" }, habit), call("habits.update", { id: "h1", title: "Mehr Wasser" }, { ...habit, title: "Mehr Wasser" })]);
    const [group] = plan.groups;
    const results = judge(group as NonNullable<typeof group>, { ok: true, text: JSON.stringify({ habits: [{ ...habit, title: "Mehr Wasser" }] }) });
    expect(results.map((result) => [result.tool, result.status])).toEqual([
      ["habits.create", "verified"],
      ["habits.update", "verified"],
    ]);
  });
});
