/** @module Better Auth's signed session cookie as the stand-in writes and verifies it: the session token and its HMAC. */
const encoder = new TextEncoder();

export const SESSION_COOKIE = "mana.session_token";
const MAX_AGE_SEC = 7 * 24 * 60 * 60;

/** Better Auth's signed session cookie: `<token>.<HMAC of the token>` (docs/contracts.md §1.3). */
export async function sessionCookie(token: string, secret: string): Promise<string> {
  return `${SESSION_COOKIE}=${token}.${await signature(token, secret)}; HttpOnly; Path=/; Max-Age=${MAX_AGE_SEC}`;
}

/** The session token inside a cookie value, or null when the value was not signed by us. */
export async function verifiedToken(cookieValue: string | undefined, secret: string): Promise<string | null> {
  const dot = cookieValue?.lastIndexOf(".") ?? -1;
  if (!cookieValue || dot < 1) return null;
  const token = cookieValue.slice(0, dot);
  return cookieValue.slice(dot + 1) === (await signature(token, secret)) ? token : null;
}

async function signature(token: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(token)));
  return btoa(String.fromCharCode(...mac)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
