/**
 * @module
 * A finding's life as a pure transition: it opens when its condition holds, resolves once the condition has
 * stayed clear for the recovery period, and comes back as a new occurrence if the condition returns.
 */
import type { FindingKind, Verdict } from "./rules";

export interface Finding {
  /** Stable for a kind and subject, across occurrences: `tool-failing:todo.create`. */
  id: string;
  kind: FindingKind;
  subject: string;
  state: "open" | "resolved";
  occurrence: number;
  openedAt: number;
  lastSeenAt: number;
  resolvedAt?: number;
  /** Since when the condition has not held, while the finding is still open. */
  clearSince?: number;
  ackedAt?: number;
  /** The evidence as of the last time the condition held. */
  verdict: Verdict;
}

export type FindingEvent = "opened" | "resolved";

export function findingId(kind: FindingKind, subject: string): string {
  return `${kind}:${subject}`;
}

export function transition(
  current: Finding | undefined,
  subject: { kind: FindingKind; subject: string },
  verdict: Verdict,
  now: number,
  recoveryMs: number,
): { next?: Finding; event?: FindingEvent } {
  if (verdict.holds) {
    if (current?.state === "open") {
      const { clearSince: _cleared, ...still } = current;
      return { next: { ...still, lastSeenAt: now, verdict } };
    }
    const opened: Finding = {
      id: findingId(subject.kind, subject.subject),
      ...subject,
      state: "open",
      occurrence: (current?.occurrence ?? 0) + 1,
      openedAt: now,
      lastSeenAt: now,
      verdict,
    };
    return { next: opened, event: "opened" };
  }
  if (current?.state !== "open") return {};
  if (current.clearSince === undefined) return { next: { ...current, clearSince: now } };
  if (now - current.clearSince < recoveryMs) return {};
  return { next: { ...current, state: "resolved", resolvedAt: now }, event: "resolved" };
}
