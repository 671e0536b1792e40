/** @module The Claude stand-in's prompt cache: exact-prefix entries with TTLs, a 20-block lookback per breakpoint, reads, and writes split by TTL. */
/** One cacheable position of the prompt: a tool, a system block or a message content block. */
export interface Segment {
  /** Identifies the whole prefix up to and including this block (see usage.ts). */
  key: string;
  tokens: number;
  /** Set when the block carries cache_control; only breakpoints are written. */
  breakpoint: boolean;
  ttlMs: number;
}

export interface CacheOutcome {
  read: number;
  /** Every token written, whatever its lifetime. */
  written: number;
  /** The part of `written` with the 1-hour lifetime. */
  written1h: number;
  uncached: number;
}

/** The real API looks for earlier cache entries at most this many blocks before each breakpoint. */
const LOOKBACK = 20;
const PRUNE_ABOVE = 10_000;
const HOUR_MS = 60 * 60_000;

/**
 * The prompt cache of one API account, in Durable Object memory: prefix key → expiry (epoch ms). Like the
 * real cache it is exact-prefix only, so a change anywhere before a breakpoint (a reordered tool list, an
 * edited system prompt) misses.
 */
export class PromptCache {
  readonly #entries = new Map<string, number>();

  apply(segments: readonly Segment[], minTokens: number, now = Date.now()): CacheOutcome {
    const ends = prefixTokens(segments);
    const total = ends.at(-1) ?? 0;
    const breakpoints = segments.flatMap((segment, index) => (segment.breakpoint ? [index] : []));
    const last = breakpoints.at(-1);
    if (last === undefined) return { read: 0, written: 0, written1h: 0, uncached: total };

    const hit = this.#longestHit(segments, breakpoints, now);
    const read = hit === undefined ? 0 : ends[hit]!;
    if (hit !== undefined) this.#entries.set(segments[hit]!.key, now + segments[hit]!.ttlMs);

    const cacheable = breakpoints.filter((index) => ends[index]! >= minTokens);
    for (const index of cacheable) this.#entries.set(segments[index]!.key, now + segments[index]!.ttlMs);
    const written = cacheable.length > 0 ? ends[last]! - read : 0;
    // Anthropic's rule for mixed lifetimes: from the hit to the last 1-hour breakpoint after it at the 1-hour
    // price, the rest up to the last breakpoint at the 5-minute one.
    const longLived = cacheable.findLast((index) => index > (hit ?? -1) && segments[index]!.ttlMs >= HOUR_MS);
    const written1h = longLived === undefined ? 0 : ends[longLived]! - read;
    this.#prune(now);
    return { read, written, written1h, uncached: total - read - written };
  }

  #longestHit(segments: readonly Segment[], breakpoints: readonly number[], now: number): number | undefined {
    let best: number | undefined;
    for (const breakpoint of breakpoints) {
      for (let index = breakpoint; index > breakpoint - LOOKBACK && index >= 0; index--) {
        if (best !== undefined && index <= best) break;
        if ((this.#entries.get(segments[index]!.key) ?? 0) > now) {
          best = index;
          break;
        }
      }
    }
    return best;
  }

  #prune(now: number): void {
    if (this.#entries.size <= PRUNE_ABOVE) return;
    for (const [key, expiry] of this.#entries) if (expiry <= now) this.#entries.delete(key);
  }
}

/** ends[i] = tokens of blocks 0..i. */
function prefixTokens(segments: readonly Segment[]): number[] {
  let sum = 0;
  return segments.map((segment) => (sum += segment.tokens));
}
