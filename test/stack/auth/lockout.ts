const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES = 5;
export const LOCKOUT_RETRY_AFTER_SEC = 1800;

/**
 * The login wrapper's lockout (contracts §1.2): five failures for one email within 15 minutes lock it, so the
 * sixth attempt fails even with the right password. Keyed by the email as sent, known user or not.
 */
export function isLocked(sql: SqlStorage, email: string, nowMs: number): boolean {
  const { n } = sql
    .exec<{ n: number }>("SELECT COUNT(*) AS n FROM login_failures WHERE email = ? AND at > ?", email, nowMs - WINDOW_MS)
    .one();
  return n >= MAX_FAILURES;
}

export function recordFailure(sql: SqlStorage, email: string, nowMs: number): void {
  sql.exec("INSERT INTO login_failures (email, at) VALUES (?, ?)", email, nowMs);
}

/** A successful login forgives earlier failures, as account lockouts usually do. */
export function clearFailures(sql: SqlStorage, email: string): void {
  sql.exec("DELETE FROM login_failures WHERE email = ?", email);
}
