/** @module Which calls a defect's failure rate hits, deterministically: evenly spread over one tool's calls, at seeded random, or as seeded transient noise. */
import { hash } from "../hash";

/** hash() is 53 bits wide: dividing by this maps it to [0, 1). */
const HASH_RANGE = 2 ** 53;

/**
 * Whether call `n` (0-based) of a series fails when a share `rate` of them does, spread as evenly as possible:
 * at 0.5 every second call, at 0.3 the 4th, 7th and 10th, at 1 every call.
 */
export function evenlySpread(n: number, rate: number): boolean {
  return Math.floor((n + 1) * rate) > Math.floor(n * rate);
}

/**
 * Whether call `n` of a series fails at `rate`: evenly spread, or at random as a real flaky dependency fails (runs of
 * successes and of failures included), seeded by n so the same series fails the same calls.
 */
export function failsAt(n: number, rate: number, spread: "even" | "random"): boolean {
  return spread === "even" ? evenlySpread(n, rate) : hash(`failing:${n}`) / HASH_RANGE < rate;
}

/**
 * Background failures at a rate up to 0.5, as a flaky upstream produces: whether the nth call fails is a hash of n,
 * so the same sequence of calls fails the same calls, and a tool never fails twice in a row (a retry of it gets
 * through). A call after a failure of its tool cannot fail, so the others fail with rate/(1-rate) to keep the
 * share at the rate.
 */
export class TransientNoise {
  #calls = 0;
  #lastFailed = new Set<string>();
  readonly #threshold: number;

  constructor(rate: number) {
    this.#threshold = rate / (1 - rate);
  }

  /** Counts a call of `tool`; its number in the series (0-based) when it fails, undefined when it gets through. */
  next(tool: string): number | undefined {
    const n = this.#calls++;
    const fails = hash(`transient:${n}`) / HASH_RANGE < this.#threshold && !this.#lastFailed.has(tool);
    if (fails) this.#lastFailed.add(tool);
    else this.#lastFailed.delete(tool);
    return fails ? n : undefined;
  }
}
