/**
 * @module
 * One cron tick: ask the coordinator once who is already waiting or running, list the due personas, validate
 * each, dispatch the rest, record the tick. It never waits for runs; they happen in the persona objects' alarms.
 */
import type { Config } from "../config";
import { coordinator, type TickSummary } from "../coordinator/coordinator";
import { findings } from "../findings/findings";
import type { Logger } from "../log";
import { slotOf } from "../persona/eligibility";
import { buildPorts } from "../persona/ports";
import { parseDueEntries } from "./due";
import { type Dispatched, dispatchAll } from "./fanout";

export interface TickResult {
  tickId: string;
  slot: string;
  paused: boolean;
  due: number;
  /** Due personas whose run already waits in the queue or runs: skipped at no cost. */
  waiting: number;
  dispatched: Dispatched[];
  invalid: TickSummary["invalid"];
  error?: string;
}

export async function runTick(env: Env, config: Config, scheduledTime: number, log: Logger): Promise<TickResult> {
  const started = Date.now();
  const slot = slotOf(scheduledTime);
  const tickId = `tick-${slot}`;
  const tickLog = log.child({ tickId });
  const hub = coordinator(env.COORDINATOR);
  const ports = buildPorts(env, config);
  const base: TickResult = { tickId, slot, paused: false, due: 0, waiting: 0, dispatched: [], invalid: [] };
  const [info] = await Promise.all([hub.tickInfo(), heartbeat(env, tickLog)]);
  if (info.paused) {
    tickLog.info("tick_paused");
    return { ...base, paused: true };
  }
  let result: TickResult;
  let fanOutCalls = 0;
  try {
    const { personas } = await ports.auth.listDue();
    const { valid, invalid } = parseDueEntries(personas);
    for (const entry of invalid) tickLog.warn("due_entry_invalid", { ...entry });
    const waiting = new Set(info.waiting);
    const fresh = valid.filter((persona) => !waiting.has(persona.userId));
    const { dispatched, subrequests } = await dispatchAll(env, fresh, slot);
    fanOutCalls = subrequests;
    result = { ...base, due: personas.length, waiting: valid.length - fresh.length, dispatched, invalid };
  } catch (error) {
    result = { ...base, error: error instanceof Error ? error.message : String(error) };
    tickLog.error("tick_failed", { error: result.error });
  }
  const counts = countBy(result.dispatched.map((entry) => entry.status));
  if (result.waiting > 0) counts.waiting = result.waiting;
  await hub.recordTick({ tickId, at: new Date(scheduledTime).toISOString(), due: result.due, dispatched: counts, invalid: result.invalid, ...(result.error ? { error: result.error } : {}) });
  const errors = result.dispatched.filter((entry) => entry.status === "error");
  if (errors.length > 0) tickLog.warn("dispatch_errors", { count: errors.length, first: errors[0]?.reason, persona: errors[0]?.email });
  tickLog.info("tick_dispatched", {
    due: result.due,
    ...counts,
    invalid: result.invalid.length,
    subrequests: ports.subrequests() + 3 + fanOutCalls,
    durationMs: Date.now() - started,
  });
  return result;
}

/** The findings' minute: a failure is logged and left for the next tick, never a reason to skip dispatching. */
async function heartbeat(env: Env, log: Logger): Promise<void> {
  await findings(env.FINDINGS)
    .heartbeat()
    .catch((error: unknown) => log.warn("findings_heartbeat_failed", { error }));
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
