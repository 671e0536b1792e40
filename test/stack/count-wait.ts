/** @module Event-driven waits for a stand-in count (held requests, arrived messages) and the GET ?atLeast=N&waitMs=M answer built on them. */
import { z } from "zod";
import { parseQuery } from "./parse-body";

interface Waiter {
  atLeast: number;
  settle(): void;
}

/**
 * Waits for a count (held requests, arrived messages) to reach a threshold. Whoever changes the count calls
 * `changed()`, which settles the waits it satisfied: tests learn of the event when it happens instead of
 * sleeping for a guessed window, and nothing polls.
 */
export class CountWaiters {
  #waiters = new Set<Waiter>();

  constructor(private readonly count: () => number) {}

  /** The count as soon as it is at least `atLeast`, or after `waitMs` whatever it is then. */
  wait(atLeast: number, waitMs: number): Promise<number> {
    if (this.count() >= atLeast) return Promise.resolve(this.count());
    return new Promise((resolve) => {
      const waiter: Waiter = {
        atLeast,
        settle: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(this.count());
        },
      };
      const timer = setTimeout(waiter.settle, waitMs);
      this.#waiters.add(waiter);
    });
  }

  changed(): void {
    const count = this.count();
    for (const waiter of [...this.#waiters]) if (count >= waiter.atLeast) waiter.settle();
  }
}

export const MAX_WAIT_MS = 60_000;

const waitQuery = z.object({
  atLeast: z.coerce.number().int().min(0).default(1),
  waitMs: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(10_000),
});

/** GET …?atLeast=N&waitMs=M: answers `{[key]: count}` once the count reached N or M ms passed. */
export async function answerCount(url: URL, waiters: CountWaiters, key: string): Promise<Response> {
  const query = parseQuery(url, waitQuery);
  if (!query.ok) return Response.json({ error: query.message }, { status: 400 });
  return Response.json({ [key]: await waiters.wait(query.value.atLeast, query.value.waitMs) });
}
