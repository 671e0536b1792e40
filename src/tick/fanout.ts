import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { DuePersona } from "../mana/schemas";
import { type DispatchRequest, type DispatchResult, personaStub } from "../persona/runner";
import { createLogger } from "../log";
import { chunk } from "./due";

export interface Dispatched extends DispatchResult {
  userId: string;
  email: string;
}

/** Up to this many personas are dispatched straight from the cron; beyond, shards take a chunk each. */
export const DIRECT_LIMIT = 400;
export const SHARD_SIZE = 400;
/** Calls in flight at once from one invocation, in the spirit of the six-connection limit. */
const PARALLEL = 6;

/**
 * Dispatches every persona exactly once per slot. Above DIRECT_LIMIT the list is cut into shards, each sent to
 * its own DispatchShard object, so no invocation makes more than ~SHARD_SIZE subrequests even for 10,000 personas.
 */
export interface FanOut {
  dispatched: Dispatched[];
  /** Durable Object calls this invocation made (each one is a subrequest). */
  subrequests: number;
}

export async function dispatchAll(env: Env, personas: readonly DuePersona[], slot: string, notBefore?: DispatchRequest["notBefore"]): Promise<FanOut> {
  if (personas.length <= DIRECT_LIMIT) return dispatchDirect(env, personas, slot, notBefore);
  const shards = chunk(personas, SHARD_SIZE);
  // A failed shard reports its personas as errors; the others still dispatch, and the next tick retries them.
  const results = await inParallel(shards, PARALLEL, (shard, index) =>
    env.DISPATCH_SHARD.get(env.DISPATCH_SHARD.idFromName(`${slot}#${index}`))
      .dispatch(shard, slot, index, notBefore)
      .catch((error: unknown) => shard.map((persona) => failed(persona, error))),
  );
  return { dispatched: results.flat(), subrequests: shards.length };
}

export async function dispatchDirect(env: Env, personas: readonly DuePersona[], slot: string, notBefore?: DispatchRequest["notBefore"]): Promise<FanOut> {
  let subrequests = 0;
  const dispatched = await inParallel(personas, PARALLEL, async (persona) => {
    subrequests++;
    try {
      const result = await personaStub(env.PERSONA, persona.userId).dispatch({ persona, slot, ...(notBefore ? { notBefore } : {}) });
      return { userId: persona.userId, email: persona.email, ...result };
    } catch (error) {
      return failed(persona, error);
    }
  });
  return { dispatched, subrequests };
}

function failed(persona: DuePersona, error: unknown): Dispatched {
  return { userId: persona.userId, email: persona.email, status: "error", reason: error instanceof Error ? error.message : String(error) };
}

/** One shard of a large tick; named by slot and index, so a repeated cron reaches the same shard. */
export class DispatchShard extends DurableObject<Env> {
  async dispatch(personas: DuePersona[], slot: string, index: number, notBefore?: DispatchRequest["notBefore"]): Promise<Dispatched[]> {
    const started = Date.now();
    const { dispatched, subrequests } = await dispatchDirect(this.env, personas, slot, notBefore);
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
