/** @module mana-mcp's rate limit in the stand-in: a user's calls of one tool counted over a sliding 60 s window, more than 30 refused. */
/** mana-mcp's enforce mode: more than 30 calls of one tool per user within 60 s are refused. */
export const RATE_LIMIT = { calls: 30, windowMs: 60_000 };

export class RateLimiter {
  #calls = new Map<string, number[]>();

  /** Records the call and says whether it is over the limit. */
  exceeded(userId: string, tool: string, nowMs: number): boolean {
    const key = `${userId}\u0000${tool}`;
    const recent = (this.#calls.get(key) ?? []).filter((at) => nowMs - at < RATE_LIMIT.windowMs);
    recent.push(nowMs);
    this.#calls.set(key, recent);
    return recent.length > RATE_LIMIT.calls;
  }

  clear(): void {
    this.#calls.clear();
  }
}
