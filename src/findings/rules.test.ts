/** @module When each finding holds: a tool failing or slow against its baseline, misused, writes not visible, one persona an outlier, setup and services failing, ratings dropping. */
import { describe, expect, it } from "vitest";
import type { Origin } from "./classify";
import {
  type Call,
  type FindingRules,
  type PersonaRun,
  personaToolsFailing,
  ratingDrop,
  ratingJudgementDue,
  type SetupAttempt,
  serviceDown,
  setupFailing,
  setupRejected,
  toolFailing,
  toolMisused,
  toolSlow,
  writeNotVisible,
} from "./rules";
import { histogramOf } from "./stats";
import type { Outcome } from "./verdict";

const HOUR = 3_600_000;
const rules: FindingRules = {
  windowMs: 24 * HOUR,
  recoveryMs: 1_800_000,
  minEvidence: 5,
  minRuns: 2,
  openMargin: 0.1,
  clearMargin: 0.05,
  windowCalls: 20,
  baselineMs: 7 * 24 * HOUR,
  defaultBaseline: 0.02,
  minBaselineCalls: 20,
  outlierMargin: 0.3,
  misuseShare: 0.2,
  slowFactor: 3,
  slowMinIncreaseMs: 500,
  slowAbsoluteMs: 8_000,
  outageMs: 15 * 60_000,
  reopenMs: 6 * HOUR,
  attributionMs: HOUR,
  settleMs: 24 * HOUR,
  ratingDrop: 1,
  minRatings: 3,
  setupFailures: 2,
};
const now = Date.parse("2026-11-25T12:00:00Z");
let run = 0;
const appError = () => `Tool habits.create failed: mana-sync push failed: row ${crypto.randomUUID()} rejected at 2026-11-25T11:0${run % 10}:00Z (HTTP 500, request ${4700 + run})`;

/** Calls of one tool, newest first, each from a run of its own; `failing` marks which fail and with what origin. */
function calls(pattern: string, over: Partial<Call> = {}): Call[] {
  return [...pattern].map((mark, index) => {
    const origin: Origin | undefined = mark === "x" ? "app" : mark === "i" ? "input" : mark === "t" ? "transport" : undefined;
    return {
      tool: "habits.create",
      at: now - (index + 1) * 60_000,
      ok: origin === undefined,
      ...(origin ? { origin, error: origin === "input" ? "Invalid input for habits.create: title: Required" : appError() } : {}),
      latencyMs: 20,
      runId: `run-${run++}`,
      userId: `u${index % 4}`,
      persona: `persona.p${index % 4}@mana.test`,
      ...over,
    };
  });
}
/** 35 %: seven failures spread over twenty calls. */
const steady35 = "x..x..x.x..x..x.x...";

describe("toolFailing", () => {
  it("holds for a tool failing always, with one normalised signature and example runs", () => {
    const verdict = toolFailing("habits.create", calls("xxxxx"), 0.02, rules, false, now);
    expect(verdict).toMatchObject({ holds: true, counts: { calls: 5, failed: 5 }, tools: ["habits.create"] });
    expect(verdict.signatures).toEqual([{ signature: "Tool habits.create failed: mana-sync push failed: row <uuid> rejected at <time> (HTTP 500, request <n>)", count: 5 }]);
    expect(verdict.examples).toHaveLength(5);
  });

  it("opens at 35 % against a 2 % baseline and stays open at that rate; a steady 3 % opens nothing", () => {
    expect(toolFailing("t", calls(steady35), 0.02, rules, false, now).holds).toBe(true);
    expect(toolFailing("t", calls(steady35), 0.02, rules, true, now).holds).toBe(true);
    expect(toolFailing("t", calls("...........x........"), 0.03, rules, false, now).holds).toBe(false);
    expect(toolFailing("t", calls("x.........x........."), 0.03, rules, false, now).holds).toBe(false);
  });

  it("does not count the model's mistakes or lost answers against the tool", () => {
    expect(toolFailing("t", calls("iiiiiiii.."), 0.02, rules, false, now)).toMatchObject({ holds: false, counts: { calls: 2, failed: 0 } });
    expect(toolFailing("t", calls("tttttttt.."), 0.02, rules, false, now).holds).toBe(false);
  });

  it("leaves failures of one persona, while others have called the tool fine since, to that persona", () => {
    const one = calls("x.x.x.x.x.", { userId: "u-alone", persona: "alone" }).map((call, index) => (call.ok ? { ...call, userId: `other-${index}` } : call));
    expect(toolFailing("t", one, 0.02, rules, false, now).holds).toBe(false);
    const before = calls("xxxxx.....", { userId: "u-alone", persona: "alone" }).map((call, index) => (call.ok ? { ...call, userId: `other-${index}` } : call));
    expect(toolFailing("t", before, 0.02, rules, false, now).holds).toBe(true);
  });

  it("needs failures from two runs, and forgets calls older than the window", () => {
    expect(toolFailing("t", calls("xxxxxx", { runId: "one-run" }), 0.02, rules, false, now).holds).toBe(false);
    expect(toolFailing("t", calls("xxxxxxxxxx", { at: now - 25 * HOUR }), 0.02, rules, false, now).holds).toBe(false);
  });
});

describe("toolMisused", () => {
  const misused = (pattern: string) => toolMisused("t", calls(pattern), rules, false, now);

  it("holds when the model keeps calling a tool wrong; a few percent of mistakes, or the app's failures, are no finding", () => {
    expect(misused("i.i.i.i.i.i.i.i.i...")).toMatchObject({ holds: true, counts: { calls: 20, misused: 9 } });
    expect(misused("i...................").holds).toBe(false);
    expect(misused("xxxxxxxxxxxxxxxxxxxx").holds).toBe(false);
  });

  it("opens above its own share (FINDING_MISUSE_SHARE), surely", () => {
    expect(misused("i..i..i..i..........").holds).toBe(false);
    expect(toolMisused("t", calls("i..i..i..i.........."), { ...rules, misuseShare: 0.05 }, false, now).holds).toBe(true);
  });
});

describe("toolSlow", () => {
  const latencies = (ms: number, count = 20) => calls(".".repeat(count)).map((call) => ({ ...call, latencyMs: ms }));
  const usual = (ms: number) => histogramOf(Array.from({ length: 100 }, () => ms));

  it("holds when a 200 ms tool takes 3 s, not when a 5 ms tool takes 15 ms", () => {
    expect(toolSlow("t", latencies(3_000), usual(200), rules, false, now)).toMatchObject({ holds: true, title: "t is slow" });
    expect(toolSlow("t", latencies(15), usual(5), rules, false, now).holds).toBe(false);
  });

  it("takes no baseline from a handful of calls: only the absolute ceiling counts until it holds enough", () => {
    expect(toolSlow("t", latencies(3_000), histogramOf([200, 200, 200]), rules, false, now).holds).toBe(false);
  });

  it("holds past the absolute ceiling without a baseline, needs enough calls, and clears only well below the opening level", () => {
    expect(toolSlow("t", latencies(9_000), {}, rules, false, now).holds).toBe(true);
    expect(toolSlow("t", latencies(3_000, 4), usual(200), rules, false, now).holds).toBe(false);
    expect(toolSlow("t", latencies(500), usual(200), rules, true, now).holds).toBe(true);
    expect(toolSlow("t", latencies(250), usual(200), rules, true, now).holds).toBe(false);
  });
});

describe("writeNotVisible", () => {
  const check = (ok: boolean, index: number): Outcome => ({ at: now - index * 60_000, ok, ...(ok ? {} : { error: "missing: no entity with id x in the read" }), runId: `r${index}`, userId: "u1", persona: "anna" });
  it("holds when writes that answered ok were missing when read back, from two runs", () => {
    const checks = [0, 1, 2, 3, 4].map((index) => check(false, index));
    expect(writeNotVisible("todo.create", checks, rules, false, now)).toMatchObject({ holds: true, title: "todo.create writes are not visible in reads" });
    expect(writeNotVisible("todo.create", [0, 1, 2, 3, 4].map((index) => check(index !== 0, index)), rules, false, now).holds).toBe(false);
  });
});

describe("personaToolsFailing", () => {
  const personaRun = (counted: number, failed: number, failingTools = ["todo.list"]): PersonaRun => ({
    at: now - 60_000,
    calls: counted,
    failed,
    failingTools: failed > 0 ? failingTools : [],
    errors: Array.from({ length: failed }, () => "Tool todo.list failed: vault"),
    runId: `run-${run++}`,
    userId: "u1",
    persona: "anna",
  });
  const others = (pattern: string, tool = "todo.list") => calls(pattern, { tool }).map((call, index) => ({ ...call, userId: `other-${index % 3}` }));

  it("holds when one persona's calls fail while the same tools work for the others", () => {
    expect(personaToolsFailing("anna", [personaRun(6, 6), personaRun(6, 6)], others(".........."), rules, false, now).holds).toBe(true);
  });

  it("needs two runs with failures, and a clear margin over the others", () => {
    expect(personaToolsFailing("anna", [personaRun(12, 12)], others(".........."), rules, false, now).holds).toBe(false);
    expect(personaToolsFailing("anna", [personaRun(6, 2), personaRun(6, 1)], others(".........."), rules, false, now).holds).toBe(false);
  });

  it("is no outlier when the tools that failed for it fail for the others too, however many working tools they also call", () => {
    const working = others("....................", "todo.create");
    expect(personaToolsFailing("anna", [personaRun(6, 4, ["mood.log"]), personaRun(6, 4, ["mood.log"])], [...others("x.xx.x..x.", "mood.log"), ...working], rules, false, now).holds).toBe(false);
    expect(personaToolsFailing("anna", [personaRun(6, 6), personaRun(6, 6)], [], rules, false, now).holds).toBe(false);
  });
});

describe("setup and services", () => {
  const attempt = (ok: boolean, minutesAgo: number, over: Partial<SetupAttempt> = {}): SetupAttempt => ({
    at: now - minutesAgo * 60_000,
    ok,
    ...(ok ? {} : { error: "login: login failed: 503 SERVICE_UNAVAILABLE", stage: "login", server: true }),
    runId: `run-${run++}`,
    userId: "u1",
    persona: "anna",
    ...over,
  });

  it("setupFailing holds when the persona's last runs failed before they started while other personas' runs started", () => {
    expect(setupFailing("anna", [attempt(false, 1), attempt(false, 60)], 3, rules, now).holds).toBe(true);
    expect(setupFailing("anna", [attempt(false, 1), attempt(false, 60)], 0, rules, now).holds).toBe(false);
    expect(setupFailing("anna", [attempt(true, 1), attempt(false, 60)], 3, rules, now).holds).toBe(false);
    expect(setupFailing("anna", [attempt(false, 1)], 3, rules, now).holds).toBe(false);
  });

  it("serviceDown opens on two personas failing on the service's side within minutes, or one and a failed probe", () => {
    const two = [attempt(false, 1, { persona: "anna" }), attempt(false, 3, { persona: "ben" })];
    expect(serviceDown("mana-auth", two, [], undefined, rules, false, now)).toMatchObject({ holds: true, title: "mana-auth is down", counts: { personas: 2 } });
    expect(serviceDown("mana-auth", two.slice(0, 1), [], undefined, rules, false, now).holds).toBe(false);
    const probe = { at: now, ok: false, error: "mana-auth answered HTTP 503", runId: "probe", userId: "", persona: "probe" };
    expect(serviceDown("mana-auth", two.slice(0, 1), [probe], undefined, rules, false, now).holds).toBe(true);
    expect(serviceDown("mana-auth", [attempt(false, 30, { persona: "anna" }), attempt(false, 40, { persona: "ben" })], [], undefined, rules, false, now).holds).toBe(false);
  });

  it("serviceDown stays open while nothing gets through, and clears once a run or a probe does", () => {
    const old = [attempt(false, 40, { persona: "anna" }), attempt(false, 45, { persona: "ben" })];
    const failedProbe = { at: now - 60_000, ok: false, runId: "probe", userId: "", persona: "probe" };
    expect(serviceDown("mana-auth", old, [failedProbe], undefined, rules, true, now).holds).toBe(true);
    expect(serviceDown("mana-auth", old, [failedProbe], now - 30 * 60_000, rules, true, now).holds).toBe(false);
  });

  it("setupRejected holds when several personas are refused at one stage and nobody got past it since", () => {
    const refused = (persona: string, minutesAgo: number) => attempt(false, minutesAgo, { persona, server: false, error: "login: login rejected with 401 INVALID_CREDENTIALS" });
    expect(setupRejected("login", [refused("anna", 1), refused("ben", 2)], undefined, rules, now).holds).toBe(true);
    expect(setupRejected("login", [refused("anna", 1), refused("ben", 2)], now - 60_000, rules, now).holds).toBe(false);
    expect(setupRejected("login", [refused("anna", 1)], undefined, rules, now).holds).toBe(false);
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
