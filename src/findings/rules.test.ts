/** @module When each finding holds: tool failing, write not visible, one persona's calls failing, a per-persona rating drop, setup failing. */
import { describe, expect, it } from "vitest";
import { type FindingRules, type Outcome, personaToolsFailing, ratingDrop, ratingJudgementDue, setupFailing, toolFailing, writeNotVisible } from "./rules";

const rules: FindingRules = { windowMs: 24 * 3_600_000, recoveryMs: 1_800_000, minEvidence: 5, errorShare: 0.5, ratingDrop: 1, minRatings: 3, setupFailures: 2 };
const now = Date.parse("2026-11-25T12:00:00Z");
let run = 0;
const outcome = (ok: boolean, over: Partial<Outcome> = {}): Outcome => ({
  at: now - 60_000,
  ok,
  ...(ok ? {} : { error: `Tool habits.create failed: row ${crypto.randomUUID()} rejected at 2026-11-25T11:0${run % 10}:00Z (HTTP 500, request ${4700 + run})` }),
  runId: `run-${run++}`,
  userId: "u1",
  persona: "persona.anna@mana.test",
  ...over,
});
const many = (count: number, ok: boolean, over: Partial<Outcome> = {}) => Array.from({ length: count }, () => outcome(ok, over));

describe("toolFailing", () => {
  it("holds once enough calls fail, with one normalised signature and example runs", () => {
    const verdict = toolFailing("habits.create", many(5, false), rules, now);
    expect(verdict).toMatchObject({ holds: true, counts: { calls: 5, failed: 5 } });
    expect(verdict.signatures).toEqual([{ signature: "Tool habits.create failed: row <uuid> rejected at <time> (HTTP 500, request <n>)", count: 5 }]);
    expect(verdict.examples).toHaveLength(5);
  });

  it("needs enough calls, judges only the newest, and forgets calls older than the window", () => {
    expect(toolFailing("t", many(4, false), rules, now).holds).toBe(false);
    expect(toolFailing("t", [...many(5, true), ...many(10, false)], rules, now).holds).toBe(true);
    expect(toolFailing("t", [...many(6, true), ...many(10, false)], rules, now).holds).toBe(false);
    expect(toolFailing("t", many(10, false, { at: now - 25 * 3_600_000 }), rules, now).holds).toBe(false);
  });
});

describe("writeNotVisible", () => {
  it("holds when most writes that answered ok were missing when read back", () => {
    const checks = many(5, false, { error: "missing: no entity with id x in the read" });
    expect(writeNotVisible("todo.create", checks, rules, now)).toMatchObject({ holds: true, title: "todo.create writes are not visible in reads" });
  });
});

describe("personaToolsFailing", () => {
  const personaRun = (calls: number, failed: number) => ({ at: now - 60_000, calls, failed, errors: Array.from({ length: failed }, () => "Tool todo.list failed: vault"), runId: `run-${run++}`, userId: "u1", persona: "anna" });

  it("holds when one persona's calls fail while the same tools work for the others", () => {
    expect(personaToolsFailing("anna", [personaRun(6, 6)], many(10, true, { userId: "u2" }), rules, now).holds).toBe(true);
  });

  it("judges the share of whole runs: five failures among forty calls are no failing persona", () => {
    expect(personaToolsFailing("anna", [personaRun(40, 5)], many(10, true, { userId: "u2" }), rules, now).holds).toBe(false);
    expect(personaToolsFailing("anna", [personaRun(4, 4), personaRun(4, 1)], many(10, true, { userId: "u2" }), rules, now)).toMatchObject({ holds: true, counts: { calls: 8, failed: 5 } });
  });

  it("leaves a failure every persona shares to the tool's own finding", () => {
    expect(personaToolsFailing("anna", [personaRun(6, 6)], many(10, false, { userId: "u2" }), rules, now).holds).toBe(false);
    expect(personaToolsFailing("anna", [personaRun(6, 6)], [], rules, now).holds).toBe(false);
  });
});

describe("ratingDrop", () => {
  const pair = (userId: string, last: number[], before: number[]) => ({
    userId,
    persona: `${userId}@mana.test`,
    runId: `run-${userId}`,
    lastDay: { sum: last.reduce((a, b) => a + b, 0), count: last.length },
    trailing: { sum: before.reduce((a, b) => a + b, 0), count: before.length },
  });

  it("holds when enough personas rate the module a point lower than they themselves did the week before", () => {
    const pairs = [pair("a", [1], [4, 4]), pair("b", [2], [3, 3, 4]), pair("c", [3], [4])];
    const verdict = ratingDrop("todo", pairs, rules, now);
    expect(verdict).toMatchObject({ holds: true, counts: { personas: 3 } });
    expect(verdict.summary).toBe("3 personas rated todo 1.78 lower on average over the last day than over the seven days before (2.00 against 3.78)");
    expect(verdict.examples.map((example) => example.runId)).toEqual(["run-a", "run-b", "run-c"]);
  });

  it("is no drop when the day was rated by other personas than usual: each persona is compared with itself", () => {
    const pairs = [pair("a", [], [5, 5]), pair("b", [], [5]), pair("c", [2], [2, 2]), pair("d", [1], [1]), pair("e", [2], [2])];
    expect(ratingDrop("todo", pairs, rules, now).holds).toBe(false);
  });

  it("needs enough personas with ratings on both sides", () => {
    expect(ratingDrop("todo", [pair("a", [1], [5]), pair("b", [1], [5])], rules, now).holds).toBe(false);
  });
});

describe("setupFailing", () => {
  it("holds when the persona's last runs all failed before they started", () => {
    expect(setupFailing("anna", many(2, false), rules, now).holds).toBe(true);
    expect(setupFailing("anna", [outcome(true), outcome(false)], rules, now).holds).toBe(false);
    expect(setupFailing("anna", many(1, false), rules, now).holds).toBe(false);
  });
});

describe("ratingJudgementDue", () => {
  it("judges every rating up to a hundred raters, then once per hundredth of them", () => {
    expect(ratingJudgementDue(1, 0)).toBe(true);
    expect(ratingJudgementDue(1, 100)).toBe(true);
    expect(ratingJudgementDue(1, 101)).toBe(false);
    expect(ratingJudgementDue(2, 101)).toBe(true);
    expect(ratingJudgementDue(99, 10_000)).toBe(false);
    expect(ratingJudgementDue(100, 10_000)).toBe(true);
  });
});
