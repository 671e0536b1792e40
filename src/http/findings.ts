/**
 * @module
 * The findings API: what is broken now and what recovered this week, page by page, mana-mcp's tool surface
 * changes, and the operator's acknowledgement.
 */
import { Hono } from "hono";
import { z } from "zod";
import { findings } from "../findings/findings";
import type { AppEnv } from "./app";
import { problems } from "./query";

const PAGE_MAX = 200;
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export function findingRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  /** Open and recently resolved findings, each list paged by the same `limit` and `offset`, with their totals. */
  routes.get("/", async (c) => {
    const query = pageQuery.safeParse(c.req.query());
    if (!query.success) return c.json({ error: problems(query.error) }, 400);
    return c.json(await findings(c.env.FINDINGS).list(query.data));
  });

  /**
   * Acknowledges an open finding: no "opened" or "reopened" message goes out for it any more (one still waiting
   * for the webhook is dropped), until it resolves; its "resolved" message is sent. It stays open and judged.
   */
  routes.post("/:id/ack", async (c) => {
    const id = c.req.param("id");
    const acked = await findings(c.env.FINDINGS).ack(id);
    return acked ? c.json(acked) : c.json({ error: `no open finding ${id}` }, 404);
  });
  return routes;
}
