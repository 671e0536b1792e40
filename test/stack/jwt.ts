/** @module Access tokens shared by the auth and MCP stand-ins: HS256 minting with mana-auth's claims, verification with jose-like errors. */
import { sign, verify } from "hono/jwt";

/** Claims of the access token mana-auth mints and mana-mcp accepts (docs/contracts.md §1.2). */
export interface AccessClaims {
  sub: string;
  email: string;
  role: string;
  sid: string;
  tier: string;
  aud: string;
  iss: string;
  iat: number;
  exp: number;
}

export const ACCESS_TOKEN_TTL_SEC = 15 * 60;

/** The stand-in signs with HS256 (the issue allows HMAC); the real service uses EdDSA. */
export function mintAccessToken(
  claims: Omit<AccessClaims, "aud" | "iss" | "iat" | "exp">,
  secret: string,
  issuer: string,
  nowSec: number,
): Promise<string> {
  return sign({ ...claims, aud: "mana", iss: issuer, iat: nowSec, exp: nowSec + ACCESS_TOKEN_TTL_SEC }, secret, "HS256");
}

/** Throws with jose-like wording so mana-mcp's 401 bodies read like the real ones. */
export async function verifyAccessToken(token: string, secret: string, nowSec: number): Promise<AccessClaims> {
  if (token.split(".").length !== 3) throw new Error("Invalid Compact JWS");
  let claims: AccessClaims;
  try {
    claims = (await verify(token, secret, { alg: "HS256", exp: false, iat: false })) as unknown as AccessClaims;
  } catch {
    throw new Error("signature verification failed");
  }
  if (claims.aud !== "mana") throw new Error('unexpected "aud" claim value');
  if (claims.exp <= nowSec) throw new Error('"exp" claim timestamp check failed');
  return claims;
}
