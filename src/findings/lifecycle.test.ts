/** @module A finding opens under a stable id, resolves only after the recovery period, and reopens as a new occurrence. */
import { describe, expect, it } from "vitest";
import { transition } from "./lifecycle";
import type { Verdict } from "./rules";

const verdict = (holds: boolean): Verdict => ({ holds, title: "t", summary: "s", counts: {}, signatures: [], examples: [] });
const subject = { kind: "tool-failing" as const, subject: "habits.create" };
const recovery = 30 * 60_000;

describe("a finding's lifecycle", () => {
  it("opens when its condition holds, under a stable id", () => {
    const { next, event } = transition(undefined, subject, verdict(true), 1_000, recovery);
    expect(event).toBe("opened");
    expect(next).toMatchObject({ id: "tool-failing:habits.create", state: "open", occurrence: 1, openedAt: 1_000, lastSeenAt: 1_000 });
  });

  it("stays open while the condition holds, without a second event", () => {
    const open = transition(undefined, subject, verdict(true), 1_000, recovery).next;
    const still = transition(open, subject, verdict(true), 2_000, recovery);
    expect(still.event).toBeUndefined();
    expect(still.next).toMatchObject({ lastSeenAt: 2_000, openedAt: 1_000 });
  });

  it("resolves only after the condition has stayed clear for the recovery period", () => {
    let finding = transition(undefined, subject, verdict(true), 0, recovery).next;
    finding = transition(finding, subject, verdict(false), 10_000, recovery).next;
    expect(finding).toMatchObject({ state: "open", clearSince: 10_000 });
    expect(transition(finding, subject, verdict(false), 10_000 + recovery - 1, recovery)).toEqual({});
    const resolved = transition(finding, subject, verdict(false), 10_000 + recovery, recovery);
    expect(resolved).toMatchObject({ event: "resolved", next: { state: "resolved", resolvedAt: 10_000 + recovery } });
  });

  it("starts the recovery period again when the condition comes back before it ends", () => {
    let finding = transition(undefined, subject, verdict(true), 0, recovery).next;
    finding = transition(finding, subject, verdict(false), 10_000, recovery).next;
    finding = transition(finding, subject, verdict(true), 20_000, recovery).next;
    expect(finding).not.toHaveProperty("clearSince");
  });

  it("reopens as a new occurrence when the condition returns after it resolved", () => {
    let finding = transition(undefined, subject, verdict(true), 0, recovery).next;
    finding = transition(finding, subject, verdict(false), 1, recovery).next;
    finding = transition(finding, subject, verdict(false), 1 + recovery, recovery).next;
    const again = transition(finding, subject, verdict(true), 5 * recovery, recovery);
    expect(again).toMatchObject({ event: "opened", next: { state: "open", occurrence: 2, openedAt: 5 * recovery } });
  });
});
