/** @module Stand-in requests held until a test releases them or 60 s pass, with the number held waitable. */
import { CountWaiters } from "./count-wait";

/** The longest a request is held: far beyond the runner's client timeouts, yet a forgotten hold ends by itself. */
export const HOLD_LIMIT_MS = 60_000;

/**
 * Requests held on purpose (a `hold` fault, a hanging webhook) until the test releases them, so a test can act
 * while a call is in flight without guessing how long to wait.
 */
export class Gate {
  #held = new Set<() => void>();
  readonly waiters = new CountWaiters(() => this.#held.size);

  get held(): number {
    return this.#held.size;
  }

  /** Resolves on `release()` or after `limitMs`, whichever comes first. */
  hold(limitMs = HOLD_LIMIT_MS): Promise<void> {
    return new Promise((resolve) => {
      const letGo = () => {
        clearTimeout(timer);
        this.#held.delete(letGo);
        resolve();
      };
      const timer = setTimeout(letGo, limitMs);
      this.#held.add(letGo);
      this.waiters.changed();
    });
  }

  /** Lets every held request go on; answers how many there were. */
  release(): number {
    const held = [...this.#held];
    for (const letGo of held) letGo();
    return held.length;
  }
}
