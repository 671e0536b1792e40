/**
 * @module
 * Waiting for a run to settle without polling: each question to the persona's object is answered when one of
 * its alarms ends, bounded by the caller's wait.
 */
import { sleep } from "../net/http";
import type { RunPhase } from "../persona/runner";
import { TERMINAL } from "../persona/store";
import { personaStub } from "../persona/wake";

export const WAIT_LIMIT_MS = 10 * 60_000;
/** How long one question to a persona object may wait for its run to settle before it is asked again. */
const ASK_AGAIN_MS = 5_000;

/** A `waitMs` query parameter as milliseconds, capped; undefined when it is not a non-negative number. */
export function waitFrom(query: string | undefined, fallback = WAIT_LIMIT_MS): number | undefined {
  const requested = Number(query ?? fallback);
  return Number.isFinite(requested) && requested >= 0 ? Math.min(requested, WAIT_LIMIT_MS) : undefined;
}

/** The run's phase once it has settled, or as it stands at `deadline`. */
export async function settled(env: Env, userId: string, runId: string, deadline: number): Promise<Partial<RunPhase>> {
  for (;;) {
    const left = deadline - Date.now();
    try {
      // A fresh stub each time: one that saw its object break stays broken.
      const phase = await personaStub(env, userId).runPhase(runId, Math.max(0, Math.min(left, ASK_AGAIN_MS)));
      if (!phase || TERMINAL.has(phase.phase) || left <= 0) return phase ?? {};
    } catch (error) {
      // The persona object restarted under us (a deploy, an eviction); the run resumes there, so ask again.
      if (left <= 0) return { error: `persona object unreachable: ${error instanceof Error ? error.message : String(error)}` };
      await sleep(ASK_AGAIN_MS / 10);
    }
  }
}
