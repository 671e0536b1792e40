/** @module mana-auth's login wrapper in the stand-in: credentials, lockout, a new session and a minted access JWT in the JSON answer. */
import { Hono } from "hono";
import { z } from "zod";
import { mintAccessToken } from "../jwt";
import { parseBody } from "../parse-body";
import type { AuthDeps } from "./deps";
import { loginError } from "./errors";
import { clearFailures, isLocked, LOCKOUT_RETRY_AFTER_SEC, recordFailure } from "./lockout";
import { createSession } from "./sessions";
import { authenticate, type UserRecord } from "./users";

const credentials = z.object({ email: z.email(), password: z.string().min(1) });

/** mana-auth's own login wrapper (docs/contracts.md §1.2): JSON tokens, no cookie, lockout. Runs on real time. */
export function loginRoutes(deps: AuthDeps): Hono {
  const outages = [deps.defects.loginDown("login"), deps.faults.middleware("login")] as const;
  return new Hono().post("/api/v1/auth/login", ...outages, async (c) => {
    const body = await parseBody(c.req.raw, credentials);
    if (!body.ok) return loginError(400, "VALIDATION", body.message);
    const { email, password } = body.value;
    const now = Date.now();
    if (isLocked(deps.sql, email, now)) {
      return loginError(429, "ACCOUNT_LOCKED", "Too many failed login attempts", LOCKOUT_RETRY_AFTER_SEC);
    }
    const user = authenticate(deps.sql, email, password);
    if (!user) {
      recordFailure(deps.sql, email, now);
      return loginError(401, "INVALID_CREDENTIALS", "Invalid email or password");
    }
    clearFailures(deps.sql, email);
    return c.json(await signIn(deps, user, now));
  });
}

async function signIn(deps: AuthDeps, user: UserRecord, nowMs: number) {
  const session = createSession(deps.sql, user.id, nowMs);
  const accessToken = await mintAccessToken(
    { sub: user.id, email: user.email, role: "user", sid: session.id, tier: "public" },
    deps.env.STACK_JWT_SECRET,
    deps.env.STACK_ISSUER,
    Math.floor(nowMs / 1000),
  );
  return {
    redirect: false,
    token: session.token,
    user: { id: user.id, email: user.email, name: user.name, kind: "persona", accessTier: "public" },
    accessToken,
    refreshToken: session.token,
  };
}
