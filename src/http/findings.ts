/**
 * @module
 * The findings API: what is broken now and what recovered this week, and the operator's acknowledgement.
 */
import { Hono } from "hono";
import { findings } from "../findings/findings";
import type { AppEnv } from "./app";

export function findingRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get("/", async (c) => c.json(await findings(c.env.FINDINGS).list()));

  /** Mutes an open finding until it resolves: no message goes out for it before its resolution. */
  routes.post("/:id/ack", async (c) => {
    const id = c.req.param("id");
    const acked = await findings(c.env.FINDINGS).ack(id);
    return acked ? c.json(acked) : c.json({ error: `no open finding ${id}` }, 404);
  });
  return routes;
}
