/**
 * @module
 * The stand-in's control surface, for tests and the fault matrix; mana-auth has nothing like it.
 *
 * POST   /__stack/auth/reset                 wipe everything and reseed the catalog → {"ok":true}
 * PUT    /__stack/auth/clock                 {"now": ISO | null} fixes the clock of the due list, last_active_at
 *                                            and ledger createdAt; null returns to real time
 *                                            → {"now": ISO, "fixed": boolean}
 * POST   /__stack/auth/faults                {"route": "login"|"due"|"actions"|"feedback"|"memberships",
 *                                            "status": 400–599, "times"?: n ≥ 1 (default 1)}: the next n requests
 *                                            of that route answer status in the route's envelope, write nothing
 *                                            → {"ok":true}
 * PUT    /__stack/auth/defects               {"loginDown"?: true | {"status": 500|502|503|504} | null | false}
 *                                            (true: 503): every POST /api/v1/auth/login answers the status in the
 *                                            login wrapper's envelope ({"error": "SERVICE_UNAVAILABLE" for 503,
 *                                            "INTERNAL" otherwise, "message": status text, "status"}) and every
 *                                            POST /api/auth/sign-in/email in Better Auth's ({"message": status
 *                                            text, "code": e.g. "SERVICE_UNAVAILABLE"}), before validation, armed
 *                                            faults and the lockout; the due list and the internal routes keep
 *                                            working; null or false switches it off, a key left out stays
 *                                            → the state, as GET
 * GET    /__stack/auth/defects               → {"loginDown": {"status"} | null}
 * POST   /__stack/auth/memberships           {"userId","organizationId","name","type"} adds a space the user is a
 *                                            member of (metadata {"type"}) → {"ok":true}; 404 unknown user
 * DELETE /__stack/auth/personas/:id          hard delete, later calls about it 404 → {"ok":true}; 404 unknown
 *        /__stack/auth/personas/:id?soft=1   soft delete: kept, but off the due and admin lists
 * POST   /__stack/auth/seed                  {"count": 1–20000, "toolCalls"?: n, "prefix"?: "bench"} replaces the
 *                                            catalog with synthetic daily personas persona.<prefix><i>@mana.test
 *                                            (benchmarks) → {"ok":true,"count":n}
 * PUT    /__stack/auth/cadence               {"cadence": "hourly"|"daily"|"weekdays", "userIds"?: [id]} sets the
 *                                            cadence of those personas (all when left out), so a simulated week
 *                                            sees each persona many times → {"ok":true,"personas":n}
 * POST   /__stack/auth/due-extra             {"entries": [any JSON]} appended verbatim to every due list, to feed
 *                                            the runner malformed entries → {"ok":true}
 * GET    /__stack/auth/rows?userId=          → {"actions":[{id,tickId,toolName,inputHash,result,errorMessage,
 *                                            latencyMs,createdAt}], "feedback":[{id,module,tickId,rating,notes,
 *                                            createdAt}], "sessions": n}, insertion order
 * Invalid bodies answer 400 {"error": "..."}.
 */
import { Hono } from "hono";
import { z } from "zod";
import { readActions } from "./actions";
import { parseBody } from "../parse-body";
import { authDefectsInput } from "./defects";
import type { AuthDeps } from "./deps";
import { routeError } from "./errors";
import { FAULT_ROUTES } from "./faults";
import { readFeedback } from "./feedback";
import { erasePersona, findPersona, softDeletePersona } from "./personas";
import { reseed, seedSynthetic } from "./seed";
import { countSessions } from "./sessions";
import { addSpace } from "./spaces";
import { iso } from "./time";
import { userExists } from "./users";

const clockBody = z.object({ now: z.iso.datetime({ offset: true }).nullable() });
const faultBody = z
  .object({
    route: z.enum(FAULT_ROUTES),
    // 200 only on login: a success whose JWT could not be minted (docs/contracts.md §1.2).
    status: z.int().min(400).max(599).or(z.literal(200)),
    times: z.int().min(1).default(1),
  })
  .refine((fault) => fault.status !== 200 || fault.route === "login", { message: "status 200 is a fault of login only", path: ["status"] });
const seedBody = z.object({
  count: z.int().min(1).max(20_000),
  toolCalls: z.int().min(1).max(40).optional(),
  prefix: z.string().regex(/^[a-z0-9-]{1,20}$/).optional(),
});
const dueExtraBody = z.object({ entries: z.array(z.unknown()) });
const cadenceBody = z.object({ cadence: z.enum(["hourly", "daily", "weekdays"]), userIds: z.array(z.string().min(1)).min(1).optional() });
const spaceBody = z.object({
  userId: z.string().min(1),
  organizationId: z.string().min(1),
  name: z.string().min(1),
  type: z.string().min(1),
});

export function controlRoutes(deps: AuthDeps): Hono {
  const { sql } = deps;
  return new Hono()
    .post("/reset", async (c) => {
      await reseed(deps);
      return c.json({ ok: true });
    })
    .put("/clock", async (c) => {
      const body = await parseBody(c.req.raw, clockBody);
      if (!body.ok) return routeError(400, body.message);
      deps.clock.fix(body.value.now === null ? null : Date.parse(body.value.now));
      return c.json({ now: iso(deps.clock.now()), fixed: body.value.now !== null });
    })
    .post("/faults", async (c) => {
      const body = await parseBody(c.req.raw, faultBody);
      if (!body.ok) return routeError(400, body.message);
      deps.faults.arm(body.value.route, body.value.status, body.value.times);
      return c.json({ ok: true });
    })
    .put("/defects", async (c) => {
      const body = await parseBody(c.req.raw, authDefectsInput);
      if (!body.ok) return routeError(400, body.message);
      deps.defects.set(body.value);
      return c.json(deps.defects.state());
    })
    .get("/defects", (c) => c.json(deps.defects.state()))
    .post("/seed", async (c) => {
      const body = await parseBody(c.req.raw, seedBody);
      if (!body.ok) return routeError(400, body.message);
      await seedSynthetic(deps, body.value.count, body.value);
      return c.json({ ok: true, count: body.value.count });
    })
    .put("/cadence", async (c) => {
      const body = await parseBody(c.req.raw, cadenceBody);
      if (!body.ok) return routeError(400, body.message);
      const { cadence, userIds } = body.value;
      const marks = (userIds ?? []).map(() => "?").join(", ");
      const where = userIds ? ` WHERE user_id IN (${marks})` : "";
      const changed = sql.exec(`UPDATE personas SET tick_cadence = ?${where}`, cadence, ...(userIds ?? [])).rowsWritten;
      return c.json({ ok: true, personas: changed });
    })
    .post("/due-extra", async (c) => {
      const body = await parseBody(c.req.raw, dueExtraBody);
      if (!body.ok) return routeError(400, body.message);
      sql.exec("INSERT OR REPLACE INTO stand_in (key, value) VALUES ('dueExtra', ?)", JSON.stringify(body.value.entries));
      return c.json({ ok: true });
    })
    .post("/memberships", async (c) => {
      const body = await parseBody(c.req.raw, spaceBody);
      if (!body.ok) return routeError(400, body.message);
      if (!userExists(sql, body.value.userId)) return routeError(404, "User not found");
      addSpace(sql, body.value, deps.clock.now());
      return c.json({ ok: true });
    })
    .delete("/personas/:id", (c) => {
      const userId = c.req.param("id");
      if (!findPersona(sql, userId)) return routeError(404, "Persona not found");
      if (c.req.query("soft") === "1") softDeletePersona(sql, userId, deps.clock.now());
      else deps.transaction(() => erasePersona(sql, userId));
      return c.json({ ok: true });
    })
    .get("/rows", (c) => {
      const userId = c.req.query("userId");
      if (!userId) return routeError(400, "userId query parameter is required");
      return c.json({ actions: readActions(sql, userId), feedback: readFeedback(sql, userId), sessions: countSessions(sql, userId) });
    });
}
