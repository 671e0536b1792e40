/** @module A finding opens under a stable id, resolves only after the recovery period, reopens as intermittent when it soon returns, and returns later as a new occurrence. */
import { describe, expect, it } from "vitest";
import { merge, recoveryOf, transition } from "./lifecycle";
import type { Verdict } from "./verdict";

const verdict = (holds: boolean): Verdict => ({ holds, title: "t", summary: "s", counts: {}, signatures: [], examples: [] });
const subject = { kind: "tool-failing" as const, subject: "habits.create" };
const recovery = 30 * 60_000;
const timing = { recoveryMs: recovery, reopenMs: 6 * 3_600_000 };

/** Opens at 0, clears at 1, resolves after the recovery period. */
function resolvedAt(time = 1 + recovery) {
  let finding = transition(undefined, subject, verdict(true), 0, timing).next;
  finding = transition(finding, subject, verdict(false), 1, timing).next;
  return transition(finding, subject, verdict(false), time, timing).next;
}

describe("a finding's lifecycle", () => {
  it("opens when its condition holds, under a stable id", () => {
    const { next, event } = transition(undefined, subject, verdict(true), 1_000, timing);
    expect(event).toBe("opened");
    expect(next).toMatchObject({ id: "tool-failing:habits.create", state: "open", occurrence: 1, openedAt: 1_000, lastSeenAt: 1_000 });
  });

  it("continues a finding under the id it was given, taking the cause's subject", () => {
    const open = transition(undefined, subject, verdict(true), 1_000, timing).next;
    const grown = transition(open, { id: open?.id, kind: "tool-failing", subject: "module:habits" }, verdict(true), 2_000, timing);
    expect(grown.event).toBeUndefined();
    expect(grown.next).toMatchObject({ id: "tool-failing:habits.create", subject: "module:habits" });
  });

  it("stays open while the condition holds, without a second event", () => {
    const open = transition(undefined, subject, verdict(true), 1_000, timing).next;
    const still = transition(open, subject, verdict(true), 2_000, timing);
    expect(still.event).toBeUndefined();
    expect(still.next).toMatchObject({ lastSeenAt: 2_000, openedAt: 1_000 });
  });

  it("resolves only after the condition has stayed clear for the recovery period", () => {
    let finding = transition(undefined, subject, verdict(true), 0, timing).next;
    finding = transition(finding, subject, verdict(false), 10_000, timing).next;
    expect(finding).toMatchObject({ state: "open", clearSince: 10_000 });
    expect(transition(finding, subject, verdict(false), 10_000 + recovery - 1, timing)).toEqual({});
    const resolved = transition(finding, subject, verdict(false), 10_000 + recovery, timing);
    expect(resolved).toMatchObject({ event: "resolved", next: { state: "resolved", resolvedAt: 10_000 + recovery } });
  });

  it("starts the recovery period again when the condition comes back before it ends", () => {
    let finding = transition(undefined, subject, verdict(true), 0, timing).next;
    finding = transition(finding, subject, verdict(false), 10_000, timing).next;
    finding = transition(finding, subject, verdict(true), 20_000, timing).next;
    expect(finding).not.toHaveProperty("clearSince");
  });

  it("reopens the same occurrence as intermittent when it returns soon after resolving, and then must stay clear twice as long", () => {
    const again = transition(resolvedAt(), subject, verdict(true), 2 * recovery, timing);
    expect(again).toMatchObject({ event: "reopened", next: { state: "open", occurrence: 1, openedAt: 0, flaps: 1 } });
    expect(again.next).not.toHaveProperty("resolvedAt");
    expect(recoveryOf(again.next ?? {}, timing)).toBe(2 * recovery);
    let finding = transition(again.next, subject, verdict(false), 3 * recovery, timing).next;
    expect(transition(finding, subject, verdict(false), 4 * recovery, timing)).toEqual({});
    finding = transition(finding, subject, verdict(false), 5 * recovery, timing).next;
    expect(finding).toMatchObject({ state: "resolved", flaps: 1 });
  });

  it("reopens under its id with the subject its cause has now: a tool finding that comes back as its module's", () => {
    const again = transition(resolvedAt(), { id: "tool-failing:habits.create", kind: "tool-failing", subject: "module:habits" }, verdict(true), 2 * recovery, timing);
    expect(again).toMatchObject({ event: "reopened", next: { id: "tool-failing:habits.create", subject: "module:habits", flaps: 1 } });
  });

  it("returns as a new occurrence when the condition comes back after the reopen window", () => {
    const again = transition(resolvedAt(), subject, verdict(true), 1 + recovery + timing.reopenMs, timing);
    expect(again).toMatchObject({ event: "opened", next: { state: "open", occurrence: 2, openedAt: 1 + recovery + timing.reopenMs } });
  });

  it("never reopens a finding that was merged into another: its cause lives on there", () => {
    const open = transition(undefined, subject, verdict(true), 0, timing).next;
    const merged = merge(open!, "tool-failing:module:habits", 10);
    expect(merged).toMatchObject({ state: "resolved", mergedInto: "tool-failing:module:habits" });
    expect(transition(merged, subject, verdict(true), 20, timing)).toMatchObject({ event: "opened", next: { occurrence: 2 } });
  });
});
