/** @module Better Auth's endpoints in the stand-in: email sign-in (no lockout) setting a signed cookie, and the cookie-only organization list. */
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { z } from "zod";
import { parseBody } from "../parse-body";
import { SESSION_COOKIE, sessionCookie, verifiedToken } from "./cookie";
import type { AuthDeps } from "./deps";
import { betterAuthError } from "./errors";
import { createSession, sessionUserId } from "./sessions";
import { organizationsOf } from "./spaces";
import { authenticate } from "./users";

const credentials = z.object({ email: z.string(), password: z.string() });

/**
 * Better Auth's own endpoints (docs/contracts.md §1.3). The sign-in bypasses the login wrapper's lockout, and the
 * organization list trusts only the signed cookie: a Bearer token, opaque or JWT, is not looked at.
 */
export function betterAuthRoutes(deps: AuthDeps): Hono {
  const secret = deps.env.STACK_JWT_SECRET;
  return new Hono()
    .post("/api/auth/sign-in/email", deps.defects.loginDown("better-auth"), async (c) => {
      const body = await parseBody(c.req.raw, credentials);
      if (!body.ok) return betterAuthError(400, "VALIDATION_ERROR", body.message);
      const user = authenticate(deps.sql, body.value.email, body.value.password);
      if (!user) return betterAuthError(401, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password");
      const { token } = createSession(deps.sql, user.id, Date.now());
      c.header("set-cookie", await sessionCookie(token, secret));
      return c.json({ redirect: false, token, user: { id: user.id, email: user.email, name: user.name } });
    })
    .get("/api/auth/organization/list", async (c) => {
      const token = await verifiedToken(getCookie(c, SESSION_COOKIE), secret);
      const userId = token && sessionUserId(deps.sql, token, Date.now());
      if (!userId) return betterAuthError(401, "UNAUTHORIZED", "Unauthorized");
      return c.json(organizationsOf(deps.sql, userId));
    });
}
