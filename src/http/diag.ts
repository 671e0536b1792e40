/**
 * @module
 * Diagnostics for operators and the local smoke: a login as a persona, and a tick that waits for its runs.
 * Behind the operator's token outside local development, and absent in production.
 */
import { Hono } from "hono";
import { derivePersonaPassword } from "../mana/password";
import type { RunPhase } from "../persona/runner";
import { buildPorts } from "../persona/ports";
import { TERMINAL } from "../persona/store";
import { personaStub } from "../persona/wake";
import { sleep } from "../net/http";
import { runTick } from "../tick/tick";
import type { Env } from "../env";
import type { AppEnv } from "./app";

const WAIT_LIMIT_MS = 10 * 60_000;
/** How long one question to a persona object may wait for its run to settle before it is asked again. */
const ASK_AGAIN_MS = 5_000;

export function diagRoutes(): Hono<AppEnv> {
  const diag = new Hono<AppEnv>();
  diag.use(async (c, next) => (c.get("config").ENVIRONMENT === "production" ? c.notFound() : next()));

  /** Spends one of the persona's five login attempts: the operator's token guards it outside local development. */
  diag.get("/login", async (c) => {
    const email = c.req.query("email");
    if (!email) return c.json({ ok: false, error: "query parameter email is required" }, 400);
    const config = c.get("config");
    const { auth } = buildPorts(c.env, config);
    try {
      const password = await derivePersonaPassword(email, config.PERSONA_SEED_SECRET);
      const { userId } = await auth.login(email, password);
      const spaceId = await auth.resolvePersonalSpace(userId, email, password);
      return c.json({ ok: true, userId, spaceId });
    } catch (error) {
      return c.json({ ok: false, error: error instanceof Error ? error.message : String(error) }, 502);
    }
  });

  /** A tick through the same path as the cron, then a bounded wait for the runs it queued. */
  diag.post("/tick", async (c) => {
    const started = Date.now();
    const requested = Number(c.req.query("waitMs") ?? WAIT_LIMIT_MS);
    if (!Number.isFinite(requested) || requested < 0) {
      return c.json({ ok: false, error: "query parameter waitMs must be a non-negative number of milliseconds" }, 400);
    }
    const waitMs = Math.min(requested, WAIT_LIMIT_MS);
    const tick = await runTick(c.env, c.get("config"), started, c.get("log"));
    const runs = tick.dispatched.filter((entry) => entry.status === "queued" && entry.runId);
    const outcomes = await Promise.all(
      runs.map(async (entry) => ({ persona: entry.email, ...(await settled(c.env, entry.userId, entry.runId as string, started + waitMs)) })),
    );
    const failed = outcomes.filter((run) => run.phase !== "succeeded").map((run) => ({ persona: run.persona, error: run.error ?? `still ${run.phase}` }));
    return c.json({
      ok: !tick.error && failed.length === 0,
      result: {
        tickId: tick.tickId,
        paused: tick.paused,
        due: tick.due,
        waiting: tick.waiting,
        ranSuccessfully: outcomes.length - failed.length,
        failed,
        skipped: tick.dispatched.filter((entry) => entry.status !== "queued").map(({ email, status, reason }) => ({ persona: email, status, reason })),
        invalid: tick.invalid,
        ...(tick.error ? { error: tick.error } : {}),
        // Until the last run finished, not until this request noticed: the figure the benchmark divides by runs.
        durationMs: Math.max(started, ...outcomes.map((run) => run.finishedAt ?? Date.now())) - started,
      },
    });
  });
  return diag;
}

/** The run's phase once it has settled, or as it stands at `deadline`. */
async function settled(env: Env, userId: string, runId: string, deadline: number): Promise<Partial<RunPhase>> {
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
