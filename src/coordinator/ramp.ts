/**
 * @module
 * How many waiting runs may be woken now: as many as there are free slots, but never more than QUEUE_WAKES_PER_SECOND,
 * so a budget reset, a resume or a minute when many personas fall due starts runs over a window, not in one burst.
 */

/** `recent` are the times of earlier wake-ups; the answer keeps only those of the last second. */
export function wakeAllowance(now: number, recent: readonly number[], freeSlots: number, perSecond: number): { allowed: number; recent: number[] } {
  const lastSecond = recent.filter((at) => at > now - 1_000);
  return { allowed: Math.max(0, Math.min(freeSlots, perSecond - lastSecond.length)), recent: lastSecond };
}
