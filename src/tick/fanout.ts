/**
 * @module
 * The fan-out of one tick: every due persona dispatched once per slot, straight from the cron invocation up to
 * DIRECT_LIMIT and through DispatchShard objects of SHARD_SIZE beyond, so no invocation makes more than about
 * SHARD_SIZE subrequests. Each batch hands its queued runs to the coordinator and its summaries to the directory
 * in one call each.
 */
import { DurableObject } from "cloudflare:workers";
import { coordinator, type QueueEntry } from "../coordinator/coordinator";
import { directory } from "../directory/directory";
import type { PersonaSummary } from "../directory/summary";
import { createLogger } from "../log";
import type { DuePersona } from "../mana/schemas";
import type { DispatchStatus } from "../persona/runner";
import { personaStub } from "../persona/wake";
import { chunk } from "./due";

export interface Dispatched {
  userId: string;
  email: string;
  /** `held`: queued, but the coordinator holds fresh runs back (daily budget spent, or paused). */
  status: DispatchStatus | "held";
  runId?: string;
  reason?: string;
}

export interface FanOut {
  dispatched: Dispatched[];
  /** Subrequests this invocation made. */
  subrequests: number;
}

export const DIRECT_LIMIT = 400;
export const SHARD_SIZE = 400;
/** Calls in flight at once from one invocation, in the spirit of the six-connection limit. */
const PARALLEL = 6;

export async function dispatchAll(env: Env, personas: readonly DuePersona[], slot: string): Promise<FanOut> {
  if (personas.length <= DIRECT_LIMIT) return dispatchBatch(env, personas, slot);
  const shards = chunk(personas, SHARD_SIZE);
  // A failed shard reports its personas as errors; the others still dispatch, and the next tick retries them.
  const results = await inParallel(shards, PARALLEL, (shard, index) =>
    env.DISPATCH_SHARD.get(env.DISPATCH_SHARD.idFromName(`${slot}#${index}`))
      .dispatch(shard, slot, index)
      .catch((error: unknown) => shard.map((persona) => failed(persona, error))),
  );
  return { dispatched: results.flat(), subrequests: shards.length };
}

/** Dispatches a batch, then queues its new runs and records its summaries, one call each. */
export async function dispatchBatch(env: Env, personas: readonly DuePersona[], slot: string): Promise<FanOut> {
  const summaries: PersonaSummary[] = [];
  const dispatched = await inParallel(personas, PARALLEL, async (persona): Promise<Dispatched> => {
    try {
      const { summary, ...result } = await personaStub(env, persona.userId).dispatch({ persona, slot });
      if (summary) summaries.push(summary);
      return { userId: persona.userId, email: persona.email, ...result };
    } catch (error) {
      return failed(persona, error);
    }
  });
  const dueAt = new Map(personas.map((persona) => [persona.userId, persona.lastActiveAt ? Date.parse(persona.lastActiveAt) : 0]));
  const queued = dispatched.filter((entry) => entry.status === "queued" && entry.runId);
  const entries: QueueEntry[] = queued.map((entry) => ({ userId: entry.userId, runId: entry.runId as string, dueAt: dueAt.get(entry.userId) ?? 0 }));
  const [held] = await Promise.all([
    entries.length > 0 ? enqueue(env, entries, queued) : undefined,
    summaries.length > 0 ? directory(env.DIRECTORY).upsert(summaries).catch((error: unknown) => createLogger().warn("directory_upsert_failed", { error })) : undefined,
  ]);
  if (held) for (const entry of queued) Object.assign(entry, { status: "held", reason: held });
  return { dispatched, subrequests: personas.length + (entries.length > 0 ? 1 : 0) + (summaries.length > 0 ? 1 : 0) };
}

/** A run whose queueing failed waits as it is: the next tick finds it queued in its object and queues it again. */
async function enqueue(env: Env, entries: QueueEntry[], queued: Dispatched[]): Promise<string | undefined> {
  try {
    return (await coordinator(env.COORDINATOR).enqueue(entries)).held;
  } catch (error) {
    const reason = `created, not yet queued: ${error instanceof Error ? error.message : String(error)}`;
    for (const entry of queued) entry.reason = reason;
    return undefined;
  }
}

function failed(persona: DuePersona, error: unknown): Dispatched {
  return { userId: persona.userId, email: persona.email, status: "error", reason: error instanceof Error ? error.message : String(error) };
}

/** One shard of a large tick; named by slot and index, so a repeated cron reaches the same shard. */
export class DispatchShard extends DurableObject<Env> {
  async dispatch(personas: DuePersona[], slot: string, index: number): Promise<Dispatched[]> {
    const started = Date.now();
    const { dispatched, subrequests } = await dispatchBatch(this.env, personas, slot);
    createLogger({ tickId: `tick-${slot}` }).info("shard_dispatched", { shard: index, personas: personas.length, subrequests, durationMs: Date.now() - started });
    return dispatched;
  }
}

async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
