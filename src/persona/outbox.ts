/**
 * @module
 * One delivery attempt of an outbox entry and what it comes to. Any 2xx is the acknowledgement, whatever its
 * body; a failure, even a thrown one, ends in a backed-off retry or a parked entry with its reason, never a loop.
 */
import type { RunEvidence } from "../findings/evidence";
import type { PersonaSummary } from "../directory/summary";
import type { DeliveryResult, ManaAuth } from "../mana/auth";
import type { ActionRow, FeedbackRow } from "../mana/schemas";
import { backoffMs } from "../net/http";
import { MANA_AUTH_KINDS, type OutboxEntry } from "./store";

const OUTBOX_BACKOFF = { baseDelayMs: 5_000, maxDelayMs: 30 * 60_000 };
/** After a week of failed attempts an entry is parked as dead, kept and visible, so no entry retries forever. */
export const OUTBOX_GIVE_UP_MS = 7 * 24 * 3_600_000;

export interface DeliveryPorts {
  auth: ManaAuth;
  ingestEvidence(evidence: RunEvidence): Promise<void>;
  upsertSummary(summary: PersonaSummary): Promise<void>;
}

/** The entry after one delivery attempt. */
export async function deliverEntry(entry: OutboxEntry, userId: string, ports: DeliveryPorts, now: number): Promise<OutboxEntry> {
  const attempts = entry.attempts + 1;
  let result: DeliveryResult;
  try {
    result = await send(entry, userId, ports);
  } catch (error) {
    result = { kind: "retry", reason: `delivery threw: ${error instanceof Error ? error.message : String(error)}` };
  }
  switch (result.kind) {
    case "delivered":
      return { ...entry, status: "delivered", attempts, lastError: undefined };
    case "gone":
      return { ...entry, status: "gone", attempts, lastError: `persona no longer exists in mana-auth: ${result.reason}` };
    case "rejected":
      return { ...entry, status: "dead", attempts, lastError: `mana-auth rejected the batch: ${result.reason}` };
    case "retry": {
      if (now - entry.createdAt >= OUTBOX_GIVE_UP_MS) {
        return { ...entry, status: "dead", attempts, lastError: `not delivered within 7 days; last error: ${result.reason}` };
      }
      const wait = Math.max(backoffMs(attempts, OUTBOX_BACKOFF), (result.retryAfterSec ?? 0) * 1000);
      return { ...entry, attempts, nextAt: now + wait, lastError: result.reason };
    }
  }
}

async function send(entry: OutboxEntry, userId: string, ports: DeliveryPorts): Promise<DeliveryResult> {
  switch (entry.kind) {
    case "actions":
      return ports.auth.postActions(userId, entry.body as ActionRow[]);
    case "feedback":
      return ports.auth.postFeedback(userId, entry.body as FeedbackRow[]);
    case "evidence":
      await ports.ingestEvidence(entry.body as RunEvidence);
      return { kind: "delivered", written: 1 };
    case "summary":
      await ports.upsertSummary(entry.body as PersonaSummary);
      return { kind: "delivered", written: 1 };
  }
}

/** How a run's mana-auth entries stand: still going, or settled with a failure reason if one did not land. */
export function outboxVerdict(entries: readonly OutboxEntry[]): { settled: false; nextAt: number } | { settled: true; failure?: string } {
  const owed = entries.filter((entry) => MANA_AUTH_KINDS.has(entry.kind));
  const pending = owed.filter((entry) => entry.status === "pending");
  if (pending.length > 0) return { settled: false, nextAt: Math.min(...pending.map((entry) => entry.nextAt)) };
  const failed = owed.find((entry) => entry.status === "dead" || entry.status === "gone");
  return failed ? { settled: true, failure: `${failed.kind}: ${failed.lastError}` } : { settled: true };
}
