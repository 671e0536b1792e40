/** @module Armed mana-auth faults: the next n requests of a route fail with a status in that route's envelope, or log in without a JWT. */
import type { Context, MiddlewareHandler, Next } from "hono";
import { loginError, middlewareError, routeError } from "./errors";

export const FAULT_ROUTES = ["login", "due", "actions", "feedback", "memberships"] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

/** The login wrapper's codes by status; any other 5xx is its INTERNAL. */
const LOGIN_CODES: Record<number, string> = {
  400: "VALIDATION",
  401: "INVALID_CREDENTIALS",
  403: "EMAIL_NOT_VERIFIED",
  429: "RATE_LIMITED",
  503: "SERVICE_UNAVAILABLE",
};

/** Armed failures: the next `times` requests of a route answer `status` instead of doing their work. */
export class Faults {
  constructor(private readonly sql: SqlStorage) {}

  arm(route: FaultRoute, status: number, times: number): void {
    this.sql.exec("INSERT OR REPLACE INTO faults (route, status, remaining) VALUES (?, ?, ?)", route, status, times);
  }

  /** The status to fail this request with, consuming one armed failure; null to proceed normally. */
  take(route: FaultRoute): number | null {
    const armed = this.sql
      .exec<{ status: number }>(
        "UPDATE faults SET remaining = remaining - 1 WHERE route = ? AND remaining > 0 RETURNING status",
        route,
      )
      .toArray()[0];
    return armed ? armed.status : null;
  }

  /** Fails the request with an armed fault, in the envelope the real route would use for that status. */
  middleware(route: FaultRoute): MiddlewareHandler {
    return async (c, next) => {
      const status = this.take(route);
      if (status === null) return next();
      if (route === "login" && status === 200) return withoutAccessToken(c, next);
      if (route === "login") return loginFault(status);
      // A 404 on a persona's own routes is the persona check's (docs/contracts.md §1.1): it was deleted.
      if (status === 404 && (route === "actions" || route === "feedback")) return routeError(404, "Persona not found");
      return middlewareError(status, statusText(status));
    };
  }
}

/** "200" armed on login: the login succeeds but minting the JWT failed, so the body lacks it (docs/contracts.md §1.2). */
async function withoutAccessToken(c: Context, next: Next): Promise<void> {
  await next();
  if (c.res.status !== 200) return;
  const { accessToken: _dropped, ...body } = (await c.res.json()) as Record<string, unknown>;
  c.res = Response.json(body, { status: 200 });
}

/** A failed login in the wrapper's envelope, as an armed fault or the loginDown defect answers it. */
export function loginFault(status: number): Response {
  const code = LOGIN_CODES[status] ?? "INTERNAL";
  return loginError(status, code, statusText(status), status === 429 ? 60 : undefined);
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? `HTTP ${status}`;
}
