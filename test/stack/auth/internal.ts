/** @module The stand-in's service-key routes: due list, action and feedback batches, and memberships, each behind its fault hook. */
import { Hono } from "hono";
import { actionRowSchema, MAX_ACTIONS, writeActions } from "./actions";
import type { AuthDeps } from "./deps";
import { duePersona, isDue } from "./due";
import { feedbackRowSchema, MAX_FEEDBACK, writeFeedback } from "./feedback";
import { ingest } from "./ingest";
import { livePersonas } from "./personas";
import { requireServiceKey } from "./service-key";
import { membershipsOf } from "./spaces";
import { iso } from "./time";

/** The service-key endpoints under /api/v1/internal (docs/contracts.md §1.1, §1.3). */
export function internalRoutes(deps: AuthDeps): Hono {
  const { faults } = deps;
  return new Hono()
    .use("*", requireServiceKey(deps.env.MANA_SERVICE_KEY))
    .get("/personas/due", faults.middleware("due"), (c) => {
      const now = deps.clock.now();
      const due = livePersonas(deps.sql).filter((p) => isDue(p.tick_cadence, p.last_active_at, now));
      return c.json({ personas: [...due.map(duePersona), ...dueExtra(deps.sql)], serverTime: iso(now) });
    })
    .post(
      "/personas/:id/actions",
      faults.middleware("actions"),
      ingest(deps, { key: "actions", max: MAX_ACTIONS, row: actionRowSchema, write: writeActions }),
    )
    .post(
      "/personas/:id/feedback",
      faults.middleware("feedback"),
      ingest(deps, { key: "feedback", max: MAX_FEEDBACK, row: feedbackRowSchema, write: writeFeedback }),
    )
    .get("/users/:userId/memberships", faults.middleware("memberships"), (c) => {
      const userId = c.req.param("userId");
      return c.json({ userId, memberships: membershipsOf(deps.sql, userId) });
    });
}

/** Raw entries a test appended with POST /__stack/auth/due-extra. */
function dueExtra(sql: SqlStorage): unknown[] {
  const row = sql.exec<{ value: string }>("SELECT value FROM stand_in WHERE key = 'dueExtra'").toArray()[0];
  return row ? (JSON.parse(row.value) as unknown[]) : [];
}
