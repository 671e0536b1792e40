import type { Config } from "../config";
import { type CoordinatorStatus, coordinator, nextUtcMidnight, type TickSummary } from "../coordinator/coordinator";
import type { Env } from "../env";
import type { Logger } from "../log";
import { slotOf } from "../persona/eligibility";
import type { DispatchRequest } from "../persona/runner";
import { buildPorts } from "../persona/ports";
import { parseDueEntries } from "./due";
import { type Dispatched, dispatchAll } from "./fanout";

export interface TickResult {
  tickId: string;
  slot: string;
  paused: boolean;
  due: number;
  dispatched: Dispatched[];
  invalid: TickSummary["invalid"];
  error?: string;
}

/**
 * One cron tick: list due personas, validate each, hand each to its persona object, return. It never waits
 * for runs; they happen in the persona objects' alarms.
 */
export async function runTick(env: Env, config: Config, scheduledTime: number, log: Logger): Promise<TickResult> {
  const started = Date.now();
  const slot = slotOf(scheduledTime);
  const tickId = `tick-${slot}`;
  const tickLog = log.child({ tickId });
  const hub = coordinator(env.COORDINATOR);
  const ports = buildPorts(env, config);
  let hubCalls = 1;
  const base: TickResult = { tickId, slot, paused: false, due: 0, dispatched: [], invalid: [] };
  const status = await hub.status();
  const paused = config.RUNNER_PAUSED || status.paused;
  if (paused) {
    tickLog.info("tick_paused");
    return { ...base, paused: true };
  }
  let result: TickResult;
  let fanOutCalls = 0;
  try {
    const { personas } = await ports.auth.listDue();
    const { valid, invalid } = parseDueEntries(personas);
    for (const entry of invalid) tickLog.warn("due_entry_invalid", { ...entry });
    const { dispatched, subrequests } = await dispatchAll(env, valid, slot, budgetHold(status, config.DAILY_TOKEN_BUDGET, started));
    fanOutCalls = subrequests;
    result = { ...base, due: personas.length, dispatched, invalid };
  } catch (error) {
    result = { ...base, error: error instanceof Error ? error.message : String(error) };
    tickLog.error("tick_failed", { error: result.error });
  }
  const counts = countBy(result.dispatched.map((entry) => entry.status));
  await hub.recordTick({ tickId, at: new Date(scheduledTime).toISOString(), due: result.due, dispatched: counts, invalid: result.invalid, ...(result.error ? { error: result.error } : {}) });
  await hub.rememberPersonas(result.dispatched.map(({ userId, email }) => ({ userId, email })));
  hubCalls += 2;
  const errors = result.dispatched.filter((entry) => entry.status === "error");
  if (errors.length > 0) tickLog.warn("dispatch_errors", { count: errors.length, first: errors[0]?.reason, persona: errors[0]?.email });
  tickLog.info("tick_dispatched", {
    due: result.due,
    ...counts,
    invalid: result.invalid.length,
    subrequests: ports.subrequests() + hubCalls + fanOutCalls,
    durationMs: Date.now() - started,
  });
  return result;
}

/**
 * With today's budget spent, due personas are still dispatched (they show as waiting, with the reason) but
 * sleep until the budget resets instead of each asking the coordinator now.
 */
function budgetHold(status: CoordinatorStatus, budget: number, now: number): DispatchRequest["notBefore"] {
  if (status.tokensToday < budget) return undefined;
  return { at: nextUtcMidnight(now), reason: `daily token budget ${budget} spent (${status.tokensToday} used today); starts after the reset at 00:00 UTC` };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
