/**
 * @module
 * A finding's life as a pure transition: it opens when its condition holds, resolves once the condition has
 * stayed clear for the recovery period and its evidence has settled, and comes back as a new occurrence if the
 * condition returns. One that
 * returns soon after it resolved is the same occurrence, reopened as intermittent, and each flap doubles the time
 * it must stay clear: a defect that comes and goes is one finding that stays open, not a pair of messages a flap.
 */
import type { FindingKind } from "./rules";
import type { Verdict } from "./verdict";

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
  /** Times it came back soon after resolving, within this occurrence. */
  flaps?: number;
  /** Closed because another open finding of the same cause took its tools over; no message says so. */
  mergedInto?: string;
  ackedAt?: number;
  /** The evidence as of the last time the condition held. */
  verdict: Verdict;
}

export type FindingEvent = "opened" | "reopened" | "resolved";

export function findingId(kind: FindingKind, subject: string): string {
  return `${kind}:${subject}`;
}

export interface Timing {
  recoveryMs: number;
  /** A finding that holds again within this long after resolving reopens as the same occurrence. */
  reopenMs: number;
}

export function transition(
  current: Finding | undefined,
  subject: { id?: string; kind: FindingKind; subject: string },
  verdict: Verdict,
  now: number,
  timing: Timing,
): { next?: Finding; event?: FindingEvent } {
  if (verdict.holds) {
    if (current?.state === "open") {
      const { clearSince: _cleared, ...still } = current;
      // What the occurrence followed stays with it as its evidence is updated.
      const attribution = verdict.attribution ?? current.verdict.attribution;
      return { next: { ...still, subject: subject.subject, lastSeenAt: now, verdict: attribution ? { ...verdict, attribution } : verdict } };
    }
    if (current?.state === "resolved" && current.mergedInto === undefined && now - (current.resolvedAt ?? 0) < timing.reopenMs) {
      const { resolvedAt: _resolved, ackedAt: _acked, clearSince: _cleared, ...reopened } = current;
      return { next: { ...reopened, subject: subject.subject, state: "open", lastSeenAt: now, flaps: (current.flaps ?? 0) + 1, verdict }, event: "reopened" };
    }
    const opened: Finding = {
      id: subject.id ?? findingId(subject.kind, subject.subject),
      kind: subject.kind,
      subject: subject.subject,
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
  if (now - current.clearSince < recoveryOf(current, timing) || verdict.settled === false) return {};
  const { clearSince: _cleared, ...resolved } = current;
  return { next: { ...resolved, state: "resolved", resolvedAt: now }, event: "resolved" };
}

/** Closes a finding into the one that now covers its cause, without an event. */
export function merge(current: Finding, into: string, now: number): Finding {
  const { clearSince: _cleared, ...rest } = current;
  return { ...rest, state: "resolved", resolvedAt: now, mergedInto: into };
}

/** How long an open finding must stay clear: the recovery period, doubled for each flap, at most the reopen window. */
export function recoveryOf(finding: Pick<Finding, "flaps">, timing: Timing): number {
  const flaps = finding.flaps ?? 0;
  return flaps === 0 ? timing.recoveryMs : Math.min(Math.max(timing.reopenMs, timing.recoveryMs), timing.recoveryMs * 2 ** flaps);
}
