/**
 * @module
 * How many waiting runs may be woken now: as many as there are free slots, but never more than a few a second,
 * so a budget reset or a resume with a long queue starts runs over a window instead of in one burst.
 */

export const WAKES_PER_SECOND = 10;

/** `recent` are the times of earlier wake-ups; the answer keeps only those of the last second. */
export function wakeAllowance(now: number, recent: readonly number[], freeSlots: number): { allowed: number; recent: number[] } {
  const lastSecond = recent.filter((at) => at > now - 1_000);
  return { allowed: Math.max(0, Math.min(freeSlots, WAKES_PER_SECOND - lastSecond.length)), recent: lastSecond };
}
