/**
 * @module
 * Diagnostics for operators and the local smoke: a login as a persona, and a tick that waits for its runs.
 * Behind the operator's token outside local development, and absent in production.
 */
import { Hono } from "hono";
import { derivePersonaPassword } from "../mana/password";
import { buildPorts } from "../persona/ports";
import { runTick } from "../tick/tick";
import type { AppEnv } from "./app";
import { settled, waitFrom } from "./settled";

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
    const waitMs = waitFrom(c.req.query("waitMs"));
    if (waitMs === undefined) return c.json({ ok: false, error: "query parameter waitMs must be a non-negative number of milliseconds" }, 400);
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
