/** @module The login wrapper's lockout: five failures for one email within 15 minutes lock it for 1,800 s; a success clears them. */
const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES = 5;
export const LOCKOUT_RETRY_AFTER_SEC = 1800;
const LOCK_MS = LOCKOUT_RETRY_AFTER_SEC * 1000;

/**
 * The login wrapper's lockout (docs/contracts.md §1.2): five failures for one email within 15 minutes lock it for the
 * 1,800 seconds its answer announces, so the sixth attempt fails even with the right password. Keyed by the
 * email as sent, known user or not.
 */
export function isLocked(sql: SqlStorage, email: string, nowMs: number): boolean {
  const failures = sql
    .exec<{ at: number }>("SELECT at FROM login_failures WHERE email = ? AND at > ? ORDER BY at", email, nowMs - WINDOW_MS - LOCK_MS)
    .toArray()
    .map((row) => row.at);
  return (lockedUntil(failures) ?? 0) > nowMs;
}

/** When the latest lock ends: a lock starts at the fifth of five failures that fall within 15 minutes. */
export function lockedUntil(failureTimes: readonly number[]): number | undefined {
  let until: number | undefined;
  for (let last = MAX_FAILURES - 1; last < failureTimes.length; last++) {
    const first = failureTimes[last - (MAX_FAILURES - 1)] as number;
    const fifth = failureTimes[last] as number;
    if (fifth - first < WINDOW_MS) until = fifth + LOCK_MS;
  }
  return until;
}

export function recordFailure(sql: SqlStorage, email: string, nowMs: number): void {
  sql.exec("INSERT INTO login_failures (email, at) VALUES (?, ?)", email, nowMs);
}

/** A successful login forgives earlier failures, as account lockouts usually do. */
export function clearFailures(sql: SqlStorage, email: string): void {
  sql.exec("DELETE FROM login_failures WHERE email = ?", email);
}
