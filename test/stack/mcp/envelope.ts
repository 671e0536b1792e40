/** @module mana-mcp's auth envelope in the stand-in: bearer JWT and X-Mana-Space checked before the transport, and its error answers. */
import type { AccessClaims } from "../jwt";
import { verifyAccessToken } from "../jwt";

/** Who a request acts as: the verified token's user and the space it names. */
export interface Caller {
  claims: AccessClaims;
  token: string;
  space: string;
}

/**
 * mana-mcp's auth envelope, checked before the MCP transport sees the request (docs/contracts.md §2). Any non-empty
 * space is accepted, exactly like the real server: a wrong one silently writes where nobody looks.
 */
export async function authenticate(request: Request, secret: string): Promise<Caller | Response> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match?.[1]) return unauthorized("Missing or malformed Authorization header");
  const token = match[1];
  let claims: AccessClaims;
  try {
    claims = await verifyAccessToken(token, secret, Math.floor(Date.now() / 1000));
  } catch (error) {
    return unauthorized(`Invalid token: ${(error as Error).message}`);
  }
  // Any non-empty value is accepted unchecked (docs/contracts.md §2); Headers already drops surrounding whitespace.
  const space = request.headers.get("x-mana-space");
  if (!space) return unauthorized("Missing X-Mana-Space header (the id of the space to act in)");
  return { claims, token, space };
}

export function unauthorized(error: string): Response {
  return Response.json({ error }, { status: 401 });
}

export function sessionNotFound(): Response {
  return Response.json({ error: "Session not found" }, { status: 404 });
}

export function forbidden(): Response {
  return Response.json({ error: "Session belongs to another user" }, { status: 403 });
}
