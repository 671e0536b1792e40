/**
 * @module
 * Deterministic hashing and pseudo-randomness for the stand-ins. Everything they "decide" derives from request
 * content or a running counter through these, so the same conversation (or the same sequence of calls) always
 * gets the same answer; none of it needs to be cryptographically strong.
 */

/** 53-bit hash of a string: two 32-bit multiply-xor lanes, mixed at the end. */
export function hash(text: string, seed = 0): number {
  let a = 0x811c9dc5 ^ seed;
  let b = 0x27d4eb2f ^ Math.imul(seed, 0x9e3779b1);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
  }
  return mix(a, b);
}

/** The two lanes mixed into 53 bits. */
function mix(lane1: number, lane2: number): number {
  const a = Math.imul(lane1 ^ (lane1 >>> 16), 0x85ebca6b) ^ Math.imul(lane2 ^ (lane2 >>> 13), 0xc2b2ae35);
  const b = Math.imul(lane2 ^ (lane2 >>> 16), 0x85ebca6b) ^ Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  return (b >>> 0) * 0x200000 + ((a >>> 0) >>> 11);
}

/**
 * A wider key (two independent 53-bit hashes) where collisions would be silent errors, as in the cache: the same
 * as `hash(text, 1)` and `hash(text, 2)`, in one pass over the text, since every prompt block is keyed.
 */
export function digest(text: string): string {
  let a1 = 0x811c9dc5 ^ 1;
  let b1 = 0x27d4eb2f ^ Math.imul(1, 0x9e3779b1);
  let a2 = 0x811c9dc5 ^ 2;
  let b2 = 0x27d4eb2f ^ Math.imul(2, 0x9e3779b1);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a1 = Math.imul(a1 ^ code, 0x01000193);
    b1 = Math.imul(b1 ^ code, 0x5bd1e995);
    a2 = Math.imul(a2 ^ code, 0x01000193);
    b2 = Math.imul(b2 ^ code, 0x5bd1e995);
  }
  return `${mix(a1, b1).toString(36)}.${mix(a2, b2).toString(36)}`;
}

/** xorshift32 seeded from a hash: cheap, reproducible draws. */
export class Rng {
  #state: number;

  constructor(seedText: string) {
    this.#state = hash(seedText) % 0xffffffff || 0x6d2b79f5;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state / 0x100000000;
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("Rng.pick on an empty list");
    return item;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

const ALPHABET = [..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"];

/** `length` base-62 characters derived from `seedText`, for ids like `toolu_…`. */
export function token(seedText: string, length: number): string {
  const rng = new Rng(seedText);
  return Array.from({ length }, () => rng.pick(ALPHABET)).join("");
}
