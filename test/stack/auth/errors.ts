/** @module mana-auth's error envelopes (docs/contracts.md §1): its middleware, its routes, the login wrapper and Better Auth. */

export function middlewareError(status: number, message: string): Response {
  return Response.json({ statusCode: status, message }, { status });
}

export function routeError(status: number, error: string): Response {
  return Response.json({ error }, { status });
}

export function betterAuthError(status: number, code: string, message: string): Response {
  return Response.json({ message, code }, { status });
}

export function loginError(status: number, code: string, message: string, retryAfterSec?: number): Response {
  if (retryAfterSec === undefined) return Response.json({ error: code, message, status }, { status });
  return Response.json(
    { error: code, message, status, retryAfterSec },
    { status, headers: { "retry-after": String(retryAfterSec) } },
  );
}
