/** @module mana-auth's admin persona API in the stand-in: the list with 7-day action counts and one persona's detail, behind the service key. */
import { Hono } from "hono";
import { countActionsSince, readActions } from "./actions";
import type { AuthDeps } from "./deps";
import { routeError } from "./errors";
import { feedbackByModule } from "./feedback";
import { findPersona, livePersonas, personaView } from "./personas";
import { requireServiceKey } from "./service-key";

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const RECENT_ACTIONS = 50;

/**
 * mana-auth's persona dashboard API; the stand-in lets the service key in where the real one wants an admin.
 *
 * GET /api/v1/admin/personas       → {"personas": [{userId, email, name, archetype, tickCadence, lastActiveAt,
 *                                  actions7d}]}
 * GET /api/v1/admin/personas/:id   → {"persona": {…}, "recentActions": [50 newest], "feedbackByModule": [{module,
 *                                  avgRating, count, meanRating, recent}]}, the real service's shape: avgRating
 *                                  is the module's row count, as the real one computes it; 404 unknown persona
 */
export function adminRoutes(deps: AuthDeps): Hono {
  return new Hono()
    .use("*", requireServiceKey(deps.env.MANA_SERVICE_KEY))
    .get("/personas", (c) => {
      const weekAgo = deps.clock.now() - WEEK_MS;
      const personas = livePersonas(deps.sql).map((record) => {
        const { userId, email, name, archetype, tickCadence, lastActiveAt } = personaView(record);
        const actions7d = countActionsSince(deps.sql, userId, weekAgo);
        return { userId, email, name, archetype, tickCadence, lastActiveAt, actions7d };
      });
      return c.json({ personas });
    })
    .get("/personas/:id", (c) => {
      const record = findPersona(deps.sql, c.req.param("id"));
      if (!record) return routeError(404, "Persona not found");
      return c.json({
        persona: personaView(record),
        recentActions: readActions(deps.sql, record.user_id, RECENT_ACTIONS),
        feedbackByModule: feedbackByModule(deps.sql, record.user_id),
      });
    });
}
