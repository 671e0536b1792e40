/** @module The wake ramp: runs held for the budget start over a window at the per-second limit, never more than the free slots. */
import { describe, expect, it } from "vitest";
import { wakeAllowance } from "./ramp";

const WAKES_PER_SECOND = 10;

describe("wakeAllowance", () => {
  it("starts a thousand runs held for the budget over a window after the reset, not in the same second", () => {
    const reset = Date.parse("2026-11-26T00:00:00Z");
    let recent: number[] = [];
    const startedAt: number[] = [];
    // 500 free slots and 1,000 waiting runs; the coordinator's alarm comes back every second while some wait.
    for (let second = 0; startedAt.length < 500; second++) {
      const now = reset + second * 1_000;
      const { allowed, recent: kept } = wakeAllowance(now, recent, 500 - startedAt.length, WAKES_PER_SECOND);
      recent = [...kept, ...Array.from({ length: allowed }, () => now)];
      startedAt.push(...Array.from({ length: allowed }, () => now));
    }
    const perSecond = new Map<number, number>();
    for (const at of startedAt) perSecond.set(at, (perSecond.get(at) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBe(WAKES_PER_SECOND);
    expect((startedAt.at(-1) as number) - reset).toBe(49_000);
  });

  it("never wakes more runs than there are free slots", () => {
    expect(wakeAllowance(0, [], 2, WAKES_PER_SECOND).allowed).toBe(2);
    expect(wakeAllowance(0, [], 0, WAKES_PER_SECOND).allowed).toBe(0);
  });

  it("forgets wake-ups older than a second", () => {
    expect(wakeAllowance(5_000, [3_000, 4_500], 100, WAKES_PER_SECOND)).toEqual({ allowed: WAKES_PER_SECOND - 1, recent: [4_500] });
  });
});
