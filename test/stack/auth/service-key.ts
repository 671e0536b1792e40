/** @module The x-service-key guard over a path prefix, answering 401 in mana-auth's middleware envelope, unknown paths included. */
import type { MiddlewareHandler } from "hono";
import { middlewareError } from "./errors";

/** Guards a whole path prefix, so unknown paths under it answer 401 too, as mana-auth's do. */
export function requireServiceKey(serviceKey: string): MiddlewareHandler {
  return async (c, next) =>
    c.req.header("x-service-key") === serviceKey ? next() : middlewareError(401, "Invalid or missing service key");
}
