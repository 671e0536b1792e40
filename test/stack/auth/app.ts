/** @module The mana-auth stand-in's Hono app: internal, admin, login, Better Auth and control routes, draining bodies left unread. */
import { Hono, type MiddlewareHandler } from "hono";
import { adminRoutes } from "./admin";
import { betterAuthRoutes } from "./better-auth";
import { controlRoutes } from "./control";
import type { AuthDeps } from "./deps";
import { middlewareError } from "./errors";
import { internalRoutes } from "./internal";
import { loginRoutes } from "./login";

/** mana-auth's surface plus the stand-in's controls; anything else gets Hono's plain-text 404, as mana-auth does. */
export function createAuthApp(deps: AuthDeps): Hono {
  return new Hono()
    .use("*", drainUnreadBody)
    .route("/api/v1/internal", internalRoutes(deps))
    .route("/api/v1/admin", adminRoutes(deps))
    .route("/", loginRoutes(deps))
    .route("/", betterAuthRoutes(deps))
    .route("/__stack/auth", controlRoutes(deps))
    .onError(() => middlewareError(500, "Internal Server Error"));
}

/**
 * Answers decided before the body was read (404 persona, faults) leave it unread; workerd then reports the
 * caller's body stream as an uncaught error. Reading it after the decision keeps the check order intact.
 */
const drainUnreadBody: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.req.raw.bodyUsed) await c.req.raw.arrayBuffer().catch(() => undefined);
};
