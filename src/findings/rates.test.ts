/** @module A share against its baseline: Wilson-sure to open, back near the baseline or a run of good outcomes improbable were it still failing to clear, a longer run to settle; a random 35 % stays one finding, a random 3 % opens none. */
import { describe, expect, it } from "vitest";
import { transition } from "./lifecycle";
import { baselineShare, judgeShare, levelsAbove, streakOf } from "./rates";
import type { Finding } from "./lifecycle";

const rules = { minEvidence: 5, minRuns: 2, openMargin: 0.1, clearMargin: 0.05, windowCalls: 20 };
const levels = levelsAbove(0.02, rules);
const input = (bad: number, total: number, extra: Partial<{ streak: number; latestBad: boolean; badRuns: number }> = {}) => ({ bad, total, badRuns: bad, streak: 0, latestBad: true, ...extra });

describe("judgeShare", () => {
  it("opens on a 35 % share of twenty calls against a 2 % baseline, not on a steady 3 % or a couple of noisy calls", () => {
    expect(judgeShare(input(7, 20), levels, rules, false).holds).toBe(true);
    expect(judgeShare(input(1, 20), levels, rules, false).holds).toBe(false);
    expect(judgeShare(input(2, 20), levels, rules, false).holds).toBe(false);
    expect(judgeShare(input(2, 5), levels, rules, false).holds).toBe(false);
  });

  it("needs enough calls, bad outcomes from at least two runs, and the newest outcome bad", () => {
    expect(judgeShare(input(4, 4), levels, rules, false).holds).toBe(false);
    expect(judgeShare(input(6, 6, { badRuns: 1 }), levels, rules, false).holds).toBe(false);
    expect(judgeShare(input(6, 6), levels, rules, false).holds).toBe(true);
    expect(judgeShare(input(7, 20, { latestBad: false, streak: 1 }), levels, rules, false).holds).toBe(false);
  });

  it("keeps an open finding open until the share is back near the baseline (hysteresis) or half a window of good outcomes in a row", () => {
    for (const bad of [5, 6, 7, 8, 9]) expect(judgeShare(input(bad, 20, { streak: 3 }), levels, rules, true).holds, `${bad} of 20`).toBe(true);
    expect(judgeShare(input(5, 20), levels, rules, false).holds).toBe(false);
    expect(judgeShare(input(1, 20, { streak: 3 }), levels, rules, true).holds).toBe(false);
    expect(judgeShare(input(7, 20, { streak: 9 }), levels, rules, true).holds).toBe(true);
    expect(judgeShare(input(7, 20, { streak: 10 }), levels, rules, true)).toMatchObject({ holds: false, settled: false });
    expect(judgeShare(input(3, 20, { streak: 14 }), levels, rules, true)).toMatchObject({ holds: false, settled: false });
    expect(judgeShare(input(3, 20, { streak: 15 }), levels, rules, true)).toMatchObject({ holds: false, settled: true });
  });

  it("clears and settles a finding whose every outcome failed after a few good ones: a run that long is no chance then", () => {
    expect(judgeShare(input(18, 20, { streak: 2 }), levels, rules, true)).toMatchObject({ holds: true, settled: false });
    expect(judgeShare(input(17, 20, { streak: 3 }), levels, rules, true)).toMatchObject({ holds: false, settled: false });
    expect(judgeShare(input(15, 20, { streak: 5 }), levels, rules, true)).toMatchObject({ holds: false, settled: true });
    expect(judgeShare(input(5, 10, { streak: 5 }), levels, rules, true).holds).toBe(true);
    expect(judgeShare(input(5, 11, { streak: 6 }), levels, rules, true)).toMatchObject({ holds: false, settled: false });
    expect(judgeShare(input(5, 14, { streak: 9 }), levels, rules, true)).toMatchObject({ holds: false, settled: true });
  });

  it("clears and settles a tool that fails 30 % as a rule once its share is back near that, without fifteen good calls in a row", () => {
    const usual = levelsAbove(0.3, rules);
    expect(judgeShare(input(7, 20, { streak: 1 }), usual, rules, true)).toMatchObject({ holds: false, settled: true });
    expect(judgeShare(input(8, 20, { streak: 1 }), usual, rules, true)).toMatchObject({ holds: true, settled: false });
  });

  it("judges against the tool's own baseline: a tool that fails 30 % as a rule opens nothing at 35 %", () => {
    expect(judgeShare(input(7, 20), levelsAbove(0.3, rules), rules, false).holds).toBe(false);
  });
});

/** A seeded generator, so a random failure sequence is the same on every run of the test. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return ((state ^ (state >>> 13)) >>> 0) / 2 ** 32;
  };
}

/**
 * A tool called four times every two hours for two days, each call failing at random with `rate`: the events its
 * finding goes through, judged after every call as the findings object does, and on each minute in between.
 */
function simulate(rate: number, seed: number): string[] {
  const random = seeded(seed);
  const outcomes: { ok: boolean }[] = [];
  const events: string[] = [];
  let finding: Finding | undefined;
  const timing = { recoveryMs: 30 * 60_000, reopenMs: 6 * 3_600_000 };
  const judgeAt = (now: number) => {
    const judged = outcomes.slice(0, rules.windowCalls);
    const bad = judged.filter((outcome) => !outcome.ok).length;
    const share = judgeShare({ bad, total: judged.length, badRuns: bad, streak: streakOf(judged), latestBad: judged[0]?.ok === false }, levels, rules, finding?.state === "open");
    const verdict = { holds: share.holds, settled: share.settled, title: "t", summary: "s", counts: {}, signatures: [], examples: [] };
    const { next, event } = transition(finding, { kind: "tool-failing", subject: "t" }, verdict, now, timing);
    if (next) finding = next;
    if (event) events.push(event);
  };
  for (let tick = 0; tick < 24; tick++) {
    const start = tick * 2 * 3_600_000;
    for (let call = 0; call < 4; call++) {
      outcomes.unshift({ ok: random() >= rate });
      judgeAt(start + call * 60_000);
    }
    for (let minute = 5; minute < 120; minute += 5) judgeAt(start + minute * 60_000);
  }
  return events;
}

describe("a failure rate over two days of random failures", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])("at 35 % is one opened finding and nothing more (seed %i)", (seed) => {
    expect(simulate(0.35, seed)).toEqual(["opened"]);
  });

  it.each([1, 2, 3, 4, 5])("at 3 % opens nothing (seed %i)", (seed) => {
    expect(simulate(0.03, seed)).toEqual([]);
  });
});

describe("baselineShare", () => {
  it("is the history's share once it holds enough calls, the default before", () => {
    expect(baselineShare(3, 100, 20, 0.02)).toBe(0.03);
    expect(baselineShare(3, 10, 20, 0.02)).toBe(0.02);
  });
});

describe("streakOf", () => {
  it("counts good outcomes in a row from the newest", () => {
    expect(streakOf([{ ok: true }, { ok: true }, { ok: false }, { ok: true }])).toBe(2);
    expect(streakOf([{ ok: false }, { ok: true }])).toBe(0);
    expect(streakOf([{ ok: true }])).toBe(1);
  });
});
