/**
 * @module
 * Whether a dispatch starts a run: once per slot, one run at a time, never while mana-auth lacks the last results
 * or a login backs off, and not again within the persona's cadence.
 */
import type { Cadence } from "../mana/schemas";

const HOUR = 3_600_000;
/**
 * A run that failed before it started (login, space, MCP setup) logged in up to six times; the next try waits
 * this long, so an outage does not cost a login and a session row every minute.
 */
export const UNSTARTED_RETRY_MS = HOUR;

export const CADENCE_MS: Record<Cadence, number> = { hourly: HOUR, daily: 24 * HOUR, weekdays: 24 * HOUR };

export interface DispatchFacts {
  now: number;
  slot: string;
  manual: boolean;
  cadence: Cadence;
  lastSlot?: string;
  /** The unfinished run, and whether it has not started yet (it waits in the coordinator's queue). */
  activeRun?: { runId: string; queued: boolean };
  lastFinishedAt?: number;
  /** When the newest run that failed before it started ended. */
  lastUnstartedFailureAt?: number;
  loginBackoffUntil?: number;
  loginBackoffReason?: string;
  outboxPending: boolean;
}

export type DispatchDecision =
  | { start: true }
  | { start: false; status: "duplicate" | "queued" | "busy" | "outbox-pending" | "login-backoff" | "cooldown"; reason: string };

/** The cron is at-least-once and mana-auth keeps a persona due until a run posts actions, so the object decides. */
export function decideDispatch(facts: DispatchFacts): DispatchDecision {
  if (facts.lastSlot === facts.slot) return { start: false, status: "duplicate", reason: `slot ${facts.slot} already dispatched` };
  // A run that has not started is handed to the coordinator's queue again: enqueueing is idempotent, and it
  // heals a queue entry lost with a failed wake-up.
  if (facts.activeRun?.queued) return { start: false, status: "queued", reason: `run ${facts.activeRun.runId} waits for a slot` };
  if (facts.activeRun) return { start: false, status: "busy", reason: `run ${facts.activeRun.runId} in progress` };
  if (facts.outboxPending) return { start: false, status: "outbox-pending", reason: "previous run's results not yet delivered" };
  if (facts.loginBackoffUntil && facts.loginBackoffUntil > facts.now) {
    return { start: false, status: "login-backoff", reason: `${facts.loginBackoffReason ?? "login backing off"} (until ${iso(facts.loginBackoffUntil)})` };
  }
  if (facts.manual) return { start: true };
  const eligibleAt = nextEligibleAt(facts.cadence, facts.lastFinishedAt, facts.lastUnstartedFailureAt);
  if (eligibleAt <= facts.now) return { start: true };
  const afterCadence = eligibleAt === nextEligibleAt(facts.cadence, facts.lastFinishedAt);
  const why = afterCadence ? `last run finished ${iso(facts.lastFinishedAt ?? 0)}` : "last run failed before it started";
  return { start: false, status: "cooldown", reason: `${why}; next eligible ${iso(eligibleAt)}` };
}

export function nextEligibleAt(cadence: Cadence, lastFinishedAt: number | undefined, lastUnstartedFailureAt?: number): number {
  const afterRun = lastFinishedAt === undefined ? 0 : lastFinishedAt + CADENCE_MS[cadence];
  const afterFailure = lastUnstartedFailureAt === undefined ? 0 : lastUnstartedFailureAt + UNSTARTED_RETRY_MS;
  return Math.max(afterRun, afterFailure);
}

/** The cron slot a time falls into: the UTC minute, so a doubly delivered cron maps to one slot. */
export function slotOf(time: number): string {
  return new Date(time).toISOString().slice(0, 16) + "Z";
}

const iso = (ms: number) => new Date(ms).toISOString();
