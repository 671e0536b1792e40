/** @module Session rows of the stand-in: a 7-day session with opaque tokens per sign-in, looked up by token and counted per user. */
const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Every sign-in, by either path, leaves a 7-day session row behind (docs/contracts.md §1.2, §1.3). */
export function createSession(sql: SqlStorage, userId: string, nowMs: number): { id: string; token: string } {
  const session = { id: randomToken(), token: randomToken() };
  sql.exec(
    "INSERT INTO sessions (id, token, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
    session.id,
    session.token,
    userId,
    nowMs + SESSION_TTL_MS,
    nowMs,
  );
  return session;
}

export function sessionUserId(sql: SqlStorage, token: string, nowMs: number): string | null {
  const session = sql
    .exec<{ user_id: string }>("SELECT user_id FROM sessions WHERE token = ? AND expires_at > ?", token, nowMs)
    .toArray()[0];
  return session?.user_id ?? null;
}

export function countSessions(sql: SqlStorage, userId: string): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?", userId).one().n;
}

/** Opaque like Better Auth's tokens: 32 alphanumerics, nothing a JWT verifier could mistake for a JWS. */
function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (byte) => ALPHABET[byte % ALPHABET.length]).join("");
}
