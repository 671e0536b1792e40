/** @module Outbox delivery: a throw becomes a backed-off retry, a week of failures parks an entry dead; only mana-auth entries hold a run. */
import { describe, expect, it } from "vitest";
import type { ManaAuth } from "../mana/auth";
import { deliverEntry, type DeliveryPorts, OUTBOX_GIVE_UP_MS, outboxVerdict } from "./outbox";
import type { OutboxEntry } from "./store";

const entry = (over: Partial<OutboxEntry> = {}): OutboxEntry => ({
  runId: "r",
  kind: "actions",
  body: [{ tickId: "t", toolName: "todo.create", result: "ok" }],
  status: "pending",
  attempts: 0,
  nextAt: 0,
  createdAt: 0,
  ...over,
});

function ports(postActions: ManaAuth["postActions"]): DeliveryPorts {
  return {
    auth: { postActions, postFeedback: postActions as never } as unknown as ManaAuth,
    ingestEvidence: async () => {
      throw new Error("findings object unavailable");
    },
    upsertSummary: async () => undefined,
  };
}

describe("deliverEntry", () => {
  it("turns an exception while delivering into a backed-off retry with the reason, never an escape", async () => {
    const thrown = await deliverEntry(entry(), "u", ports(async () => {
      throw new TypeError("body stream already read");
    }), 1_000);
    expect(thrown).toMatchObject({ status: "pending", attempts: 1, lastError: expect.stringMatching(/delivery threw: body stream already read/) });
    expect(thrown.nextAt).toBeGreaterThan(1_000);
    const evidence = await deliverEntry(entry({ kind: "evidence", body: {} }), "u", ports(async () => ({ kind: "delivered" })), 1_000);
    expect(evidence).toMatchObject({ status: "pending", lastError: expect.stringMatching(/findings object unavailable/) });
  });

  it("backs off further with every attempt", async () => {
    const retry = ports(async () => ({ kind: "retry", reason: "503" }));
    const waits: number[] = [];
    let current = entry();
    for (let i = 0; i < 6; i++) {
      current = await deliverEntry(current, "u", retry, 0);
      waits.push(current.nextAt);
    }
    expect(waits[5]).toBeGreaterThan(waits[0] as number);
  });

  it("parks an entry as dead after a week of failed attempts, keeping its reason: nothing retries forever", async () => {
    const parked = await deliverEntry(entry({ attempts: 300 }), "u", ports(async () => ({ kind: "retry", reason: "503 Service Unavailable" })), OUTBOX_GIVE_UP_MS);
    expect(parked).toMatchObject({ status: "dead", lastError: expect.stringMatching(/not delivered within 7 days; last error: 503/) });
  });
});

describe("outboxVerdict", () => {
  it("waits for mana-auth's entries only; the runner's own bookkeeping never holds a run open", () => {
    expect(outboxVerdict([entry({ status: "delivered" }), entry({ kind: "evidence", status: "pending" })])).toEqual({ settled: true });
    expect(outboxVerdict([entry({ nextAt: 9 })])).toEqual({ settled: false, nextAt: 9 });
    expect(outboxVerdict([entry({ status: "dead", lastError: "400" })])).toEqual({ settled: true, failure: "actions: 400" });
  });
});
