/**
 * @module
 * The coverage map's API: which modules and tools the personas exercised over the last seven days, which offered
 * tools none of them called, which are no longer offered, and which modules they wanted that mana-mcp lacks.
 */
import { Hono } from "hono";
import { findings } from "../findings/findings";
import type { AppEnv } from "./app";

export function coverageRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/", async (c) => c.json(await findings(c.env.FINDINGS).coverage()));
  return routes;
}
