/**
 * @module
 * The operator's pages and JSON API: the status page, each persona's runs and transcripts, run-now, pause and
 * resume. Lists read the directory (one query a page); a persona's own views ask its object.
 */
import { Hono } from "hono";
import { z } from "zod";
import { problems } from "./query";
import { coordinator, type LiveState } from "../coordinator/coordinator";
import { directory, PAGE_MAX } from "../directory/directory";
import { findings } from "../findings/findings";
import { personaStub } from "../persona/wake";
import type { AppEnv } from "./app";
import { ErrorPage } from "./error-page";
import { pageLink, pagesOf } from "./persona-table";
import { RunPage } from "./run-page";
import { settled, waitFrom } from "./settled";
import { StatusPage } from "./status-page";

const PAGE_SIZE = 50;
/** A persona's runs listed at once: the newest 50 unless asked, at most 500. */
const RUNS_DEFAULT = 50;
const RUNS_MAX = 500;
const STATUS_PAGE = { href: "/", label: "status page" };

const pageQuery = z.object({
  sort: z.enum(["lastRun", "outcome", "email"]).default("lastRun"),
  page: z.coerce.number().int().min(1).default(1),
});
const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(RUNS_MAX).default(RUNS_DEFAULT) });
const listQuery = z.object({
  sort: z.enum(["lastRun", "outcome", "email"]).default("lastRun"),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(PAGE_SIZE),
});

export function personaRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get("/", async (c) => {
    const query = pageQuery.safeParse(c.req.query());
    if (!query.success) return c.html(<ErrorPage title="No such page" message={problems(query.error)} back={STATUS_PAGE} />, 400);
    const { sort, page } = query.data;
    const hub = coordinator(c.env.COORDINATOR);
    const [status, listing, overview] = await Promise.all([
      hub.status(),
      directory(c.env.DIRECTORY).page({ sort, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
      findings(c.env.FINDINGS).overview(),
    ]);
    const { pages, pastTheEnd } = pagesOf(listing);
    if (pastTheEnd) {
      const message = `The persona list has ${pages} ${pages === 1 ? "page" : "pages"} of ${PAGE_SIZE} (${listing.total} personas).`;
      return c.html(<ErrorPage title={`No page ${page}`} message={message} back={{ href: pageLink(pages, sort), label: `page ${pages}` }} />, 404);
    }
    const live = await liveStates(c.env, listing.personas.map((persona) => persona.userId));
    const config = c.get("config");
    return c.html(
      <StatusPage environment={config.ENVIRONMENT} budgetUsd={config.DAILY_BUDGET_USD} hub={status} listing={listing} live={live} sort={sort} findings={overview} now={Date.now()} />,
    );
  });

  routes.get("/runs/:id/:runId", async (c) => {
    const { id, runId } = c.req.param();
    const stub = personaStub(c.env, id);
    const run = await stub.run(runId);
    if (run) return c.html(<RunPage run={run} />);
    const persona = await stub.knownPersona();
    const [title, message] = persona
      ? ["No such run", `${persona.email} has no run ${runId}: it never existed, or it is older than the newest runs kept.`]
      : ["No such persona", `No persona ${id} is known to this runner: personas appear after their first due tick.`];
    return c.html(<ErrorPage title={title} message={message} back={STATUS_PAGE} />, 404);
  });

  routes.get("/personas", async (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) return c.json({ error: problems(query.error) }, 400);
    const listing = await directory(c.env.DIRECTORY).page(query.data);
    const live = await liveStates(c.env, listing.personas.map((persona) => persona.userId));
    return c.json({ ...listing, personas: listing.personas.map((persona) => ({ ...persona, ...(live.has(persona.userId) ? { live: live.get(persona.userId) } : {}) })) });
  });

  routes.get("/personas/:id/runs", async (c) => {
    const query = runsQuery.safeParse(c.req.query());
    if (!query.success) return c.json({ error: problems(query.error) }, 400);
    return c.json({ runs: await personaStub(c.env, c.req.param("id")).runs(query.data.limit) });
  });

  routes.get("/personas/:id/runs/:runId", async (c) => {
    const run = await personaStub(c.env, c.req.param("id")).run(c.req.param("runId"));
    return run ? c.json(run) : c.json({ error: "run not found" }, 404);
  });

  /**
   * Runs one persona now: its cadence is skipped, nothing else; the run takes the front of the queue. With
   * `?waitMs=` the answer waits (at most that long) for the run to settle and says how it ended.
   */
  routes.post("/personas/:id/run", async (c) => {
    const userId = c.req.param("id");
    const waitMs = waitFrom(c.req.query("waitMs"), 0);
    if (waitMs === undefined) return c.json({ error: "query parameter waitMs must be a non-negative number of milliseconds" }, 400);
    const stub = personaStub(c.env, userId);
    const persona = await stub.knownPersona();
    if (!persona) return c.json({ error: "persona unknown to this runner: it appears after its first due tick" }, 404);
    // Every request is a run of its own; only a run still in progress makes the next one wait (busy).
    const { summary, ...result } = await stub.dispatch({ persona, slot: `manual-${new Date().toISOString()}`, manual: true });
    if (summary) await directory(c.env.DIRECTORY).upsert([summary]);
    if (result.status !== "queued" || !result.runId) return c.json({ error: `${result.status}: ${result.reason ?? "no run started"}` }, 409);
    // Where the run stands is its phase, as in the run list; `detail` says what holds a queued run back.
    const accepted = { runId: result.runId, phase: "queued" as const };
    const { held } = await coordinator(c.env.COORDINATOR).enqueue([{ userId, runId: result.runId, dueAt: -1 }]);
    if (held) return c.json({ ...accepted, detail: held }, 202);
    if (waitMs === 0) return c.json(accepted, 202);
    return c.json({ runId: result.runId, ...(await settled(c.env, userId, result.runId, Date.now() + waitMs)) }, 200);
  });

  routes.post("/admin/pause", async (c) => {
    await coordinator(c.env.COORDINATOR).setPaused(true);
    return c.json({ paused: true });
  });

  routes.post("/admin/resume", async (c) => {
    await coordinator(c.env.COORDINATOR).setPaused(false);
    const byEnvironment = c.get("config").RUNNER_PAUSED;
    return c.json({ paused: byEnvironment, ...(byEnvironment ? { note: "RUNNER_PAUSED is set in the environment" } : {}) });
  });
  return routes;
}

async function liveStates(env: Env, userIds: string[]): Promise<Map<string, LiveState>> {
  if (userIds.length === 0) return new Map();
  const states = await coordinator(env.COORDINATOR).states(userIds);
  return new Map(states.map((state) => [state.userId, state]));
}
