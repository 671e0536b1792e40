/** @module Whether a dispatch starts a run: same-slot duplicates, busy or queued runs, pending outbox, login back-off, cadence, manual runs. */
import { describe, expect, it } from "vitest";
import { decideDispatch, type DispatchFacts, slotOf } from "./eligibility";

const now = Date.parse("2026-11-24T12:00:30Z");
const facts = (over: Partial<DispatchFacts> = {}): DispatchFacts => ({
  now,
  slot: slotOf(now),
  manual: false,
  cadence: "daily",
  outboxPending: false,
  ...over,
});

describe("decideDispatch", () => {
  it("starts a persona that never ran", () => expect(decideDispatch(facts())).toEqual({ start: true }));
  it("ignores a second dispatch for the same slot", () =>
    expect(decideDispatch(facts({ lastSlot: "2026-11-24T12:00Z" }))).toMatchObject({ start: false, status: "duplicate" }));
  it("coalesces a dispatch while a run is active", () =>
    expect(decideDispatch(facts({ activeRun: { runId: "r1", queued: false } }))).toMatchObject({ start: false, status: "busy" }));
  it("hands a run that has not started back to the queue", () =>
    expect(decideDispatch(facts({ activeRun: { runId: "r1", queued: true } }))).toMatchObject({ start: false, status: "queued" }));
  it("waits for an undelivered outbox", () =>
    expect(decideDispatch(facts({ outboxPending: true }))).toMatchObject({ start: false, status: "outbox-pending" }));
  it("respects a login back-off", () =>
    expect(decideDispatch(facts({ loginBackoffUntil: now + 1000, loginBackoffReason: "bad secret" }))).toMatchObject({
      start: false,
      status: "login-backoff",
    }));
  it("does not re-run within the cadence even if mana-auth still lists the persona", () => {
    expect(decideDispatch(facts({ lastFinishedAt: now - 60_000 }))).toMatchObject({ start: false, status: "cooldown" });
    expect(decideDispatch(facts({ cadence: "hourly", lastFinishedAt: now - 59 * 60_000 }))).toMatchObject({ status: "cooldown" });
    expect(decideDispatch(facts({ cadence: "hourly", lastFinishedAt: now - 60 * 60_000 }))).toEqual({ start: true });
  });
  it("waits an hour after a run that failed before it started", () => {
    expect(decideDispatch(facts({ lastUnstartedFailureAt: now - 59 * 60_000 }))).toMatchObject({ status: "cooldown" });
    expect(decideDispatch(facts({ lastUnstartedFailureAt: now - 60 * 60_000 }))).toEqual({ start: true });
    expect(decideDispatch(facts({ manual: true, lastUnstartedFailureAt: now - 1000 }))).toEqual({ start: true });
  });
  it("lets a manual run skip the cadence but nothing else", () => {
    expect(decideDispatch(facts({ manual: true, lastFinishedAt: now - 1000 }))).toEqual({ start: true });
    expect(decideDispatch(facts({ manual: true, activeRun: { runId: "r", queued: false } }))).toMatchObject({ status: "busy" });
  });
  it("maps a twice-delivered cron to one slot", () => expect(slotOf(now)).toBe(slotOf(now + 20_000)));
});
