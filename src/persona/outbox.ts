import type { DeliveryResult, ManaAuth } from "../mana/auth";
import type { ActionRow, FeedbackRow } from "../mana/schemas";
import { backoffMs } from "../net/http";
import type { OutboxEntry } from "./store";

const OUTBOX_BACKOFF = { baseDelayMs: 5_000, maxDelayMs: 30 * 60_000 };

/**
 * The entry after one delivery attempt: a 2xx ends it; the persona check's 404 (persona deleted) or a 400 (the
 * batch itself) parks it with its reason, never dropping it; anything else is retried with backoff.
 */
export async function deliverEntry(entry: OutboxEntry, userId: string, auth: ManaAuth, now: number): Promise<OutboxEntry> {
  const result: DeliveryResult =
    entry.kind === "actions"
      ? await auth.postActions(userId, entry.body as ActionRow[])
      : await auth.postFeedback(userId, entry.body as FeedbackRow[]);
  const attempts = entry.attempts + 1;
  switch (result.kind) {
    case "delivered":
      return { ...entry, status: "delivered", attempts, lastError: undefined };
    case "gone":
      return { ...entry, status: "gone", attempts, lastError: `persona no longer exists in mana-auth: ${result.reason}` };
    case "rejected":
      return { ...entry, status: "dead", attempts, lastError: `mana-auth rejected the batch: ${result.reason}` };
    case "retry": {
      const wait = Math.max(backoffMs(attempts, OUTBOX_BACKOFF), (result.retryAfterSec ?? 0) * 1000);
      return { ...entry, attempts, nextAt: now + wait, lastError: result.reason };
    }
  }
}

/** How a run's outbox stands: still going, or settled with a failure reason if any entry did not land. */
export function outboxVerdict(entries: readonly OutboxEntry[]): { settled: false; nextAt: number } | { settled: true; failure?: string } {
  const pending = entries.filter((entry) => entry.status === "pending");
  if (pending.length > 0) return { settled: false, nextAt: Math.min(...pending.map((entry) => entry.nextAt)) };
  const failed = entries.find((entry) => entry.status === "dead" || entry.status === "gone");
  return failed ? { settled: true, failure: `${failed.kind}: ${failed.lastError}` } : { settled: true };
}
