import { Hono } from "hono";
import { coordinator } from "../coordinator/coordinator";
import type { DuePersona } from "../mana/schemas";
import { slotOf } from "../persona/eligibility";
import { personaStub } from "../persona/runner";
import type { Env } from "../env";
import type { AppEnv } from "./app";
import { RunPage } from "./run-page";
import { StatusPage } from "./status-page";

/** The operator's JSON API: what each persona did, its runs and transcripts, run-now, pause and resume. */
export function personaRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get("/", async (c) => {
    const config = c.get("config");
    const hub = coordinator(c.env.COORDINATOR);
    const [status, personas, ratings] = await Promise.all([hub.status(), allPersonas(c.env), hub.ratingHistory(30)]);
    return c.html(
      <StatusPage
        environment={config.ENVIRONMENT}
        paused={config.RUNNER_PAUSED || status.paused}
        budget={config.DAILY_TOKEN_BUDGET}
        hub={status}
        personas={personas}
        ratings={ratings}
      />,
    );
  });

  routes.get("/runs/:id/:runId", async (c) => {
    const run = await personaStub(c.env.PERSONA, c.req.param("id")).run(c.req.param("runId"));
    return run ? c.html(<RunPage run={run} />) : c.text("run not found", 404);
  });

  routes.get("/personas", async (c) => c.json({ personas: await allPersonas(c.env) }));

  routes.get("/personas/:id/runs", async (c) => {
    const limit = Math.min(Number(c.req.query("limit") ?? 50) || 50, 500);
    return c.json({ runs: await personaStub(c.env.PERSONA, c.req.param("id")).runs(limit) });
  });

  routes.get("/personas/:id/runs/:runId", async (c) => {
    const run = await personaStub(c.env.PERSONA, c.req.param("id")).run(c.req.param("runId"));
    return run ? c.json(run) : c.json({ error: "run not found" }, 404);
  });

  routes.post("/personas/:id/run", async (c) => {
    const stub = personaStub(c.env.PERSONA, c.req.param("id"));
    const status = await stub.status();
    if (!status.persona) return c.json({ error: "persona unknown to this runner: it appears after its first due tick" }, 404);
    const persona = (await stub.knownPersona()) as DuePersona;
    const result = await stub.dispatch({ persona, slot: `manual-${slotOf(Date.now())}`, manual: true });
    return c.json(result, result.status === "started" ? 202 : 409);
  });

  routes.post("/admin/pause", async (c) => {
    await coordinator(c.env.COORDINATOR).setPaused(true);
    return c.json({ paused: true });
  });

  routes.post("/admin/resume", async (c) => {
    await coordinator(c.env.COORDINATOR).setPaused(false);
    return c.json({ paused: c.get("config").RUNNER_PAUSED, note: c.get("config").RUNNER_PAUSED ? "RUNNER_PAUSED is set in the environment" : undefined });
  });
  return routes;
}

async function allPersonas(env: Env) {
  const known = await coordinator(env.COORDINATOR).personas();
  return Promise.all(known.map(async ({ userId, email }) => ({ userId, email, ...(await personaStub(env.PERSONA, userId).status()) })));
}
