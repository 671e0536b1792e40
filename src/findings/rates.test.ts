/** @module A share against its baseline: Wilson-sure to open, back near the baseline to clear, never from one run. */
import { describe, expect, it } from "vitest";
import { baselineShare, judgeShare, levelsAbove, recoveredOf } from "./rates";

const rules = { minEvidence: 5, minRuns: 2, openMargin: 0.1, clearMargin: 0.05 };
const levels = levelsAbove(0.02, rules);

describe("judgeShare", () => {
  it("opens on a 35 % share of twenty calls against a 2 % baseline, not on a steady 3 % or a couple of noisy calls", () => {
    expect(judgeShare({ bad: 7, total: 20, badRuns: 7, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(true);
    expect(judgeShare({ bad: 1, total: 20, badRuns: 1, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(false);
    expect(judgeShare({ bad: 2, total: 20, badRuns: 2, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(false);
    expect(judgeShare({ bad: 2, total: 5, badRuns: 2, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(false);
  });

  it("needs enough calls and bad outcomes from at least two runs", () => {
    expect(judgeShare({ bad: 4, total: 4, badRuns: 4, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(false);
    expect(judgeShare({ bad: 6, total: 6, badRuns: 1, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(false);
    expect(judgeShare({ bad: 6, total: 6, badRuns: 2, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(true);
  });

  it("keeps an open finding open until the share is back near the baseline (hysteresis)", () => {
    for (const bad of [5, 6, 7, 8, 9]) expect(judgeShare({ bad, total: 20, badRuns: bad, recovered: false, latestBad: true }, levels, rules, true).holds, `${bad} of 20`).toBe(true);
    expect(judgeShare({ bad: 5, total: 20, badRuns: 5, recovered: false, latestBad: true }, levels, rules, false).holds).toBe(false);
    expect(judgeShare({ bad: 1, total: 20, badRuns: 1, recovered: false, latestBad: true }, levels, rules, true).holds).toBe(false);
  });

  it("clears an open finding at once when the newest calls all succeed, whatever the window still holds", () => {
    expect(judgeShare({ bad: 8, total: 20, badRuns: 8, recovered: true, latestBad: true }, levels, rules, true).holds).toBe(false);
    expect(judgeShare({ bad: 8, total: 20, badRuns: 8, recovered: true, latestBad: true }, levels, rules, false).holds).toBe(true);
  });

  it("judges against the tool's own baseline: a tool that fails 30 % as a rule opens nothing at 35 %", () => {
    expect(judgeShare({ bad: 7, total: 20, badRuns: 7, recovered: false, latestBad: true }, levelsAbove(0.3, rules), rules, false).holds).toBe(false);
  });
});

describe("baselineShare", () => {
  it("is the history's share once it holds enough calls, the default before", () => {
    expect(baselineShare(3, 100, 20, 0.02)).toBe(0.03);
    expect(baselineShare(3, 10, 20, 0.02)).toBe(0.02);
  });
});

describe("judgeShare while the failure is over", () => {
  it("does not open once the newest outcome is good again: a finding opens while its failure happens", () => {
    expect(judgeShare({ bad: 7, total: 20, badRuns: 7, recovered: false, latestBad: false }, levels, rules, false).holds).toBe(false);
  });
});

describe("recoveredOf", () => {
  it("is true only when the newest outcomes, enough of them, are all good", () => {
    expect(recoveredOf([{ ok: true }, { ok: true }, { ok: false }], 2)).toBe(true);
    expect(recoveredOf([{ ok: true }, { ok: false }, { ok: true }], 2)).toBe(false);
    expect(recoveredOf([{ ok: true }], 2)).toBe(false);
  });
});
