/** @module The persona list's outcome column and its pages: the outcome, not the normal cool-down between runs; a page past the end known as such. */
import { describe, expect, it } from "vitest";
import type { PersonaSummary } from "../directory/summary";
import { outcomeOf, pagesOf } from "./persona-table";

const persona = (extra: Partial<PersonaSummary> = {}): PersonaSummary => ({
  userId: "u1",
  email: "persona.anna@mana.test",
  archetype: "adhd-student",
  tickCadence: "daily",
  lastRun: { runId: "r1", phase: "succeeded", createdAt: "2026-11-25T09:00:00.000Z", toolCalls: 3, tokens: 100, costUsd: 0.01 },
  day: "2026-11-25",
  tokensToday: 100,
  costTodayUsd: 0.01,
  updatedAt: 0,
  ...extra,
});

describe("the outcome column", () => {
  it("says the last run's outcome alone when the persona merely waits out its cool-down", () => {
    const cooling = persona({ lastDispatch: { status: "cooldown", reason: "last run finished 2026-11-25T09:00:00.000Z; next eligible 2026-11-26T09:00:00.000Z", at: "2026-11-25T09:01:00.000Z" } });
    expect(outcomeOf(cooling, undefined)).toEqual({ text: "succeeded", tone: "ok", notes: [] });
  });

  it("adds what is out of the ordinary: a dispatch refused for another reason, a failed run's error, a login backoff", () => {
    const stuck = persona({
      lastRun: { runId: "r1", phase: "failed", error: "login 401", createdAt: "2026-11-25T09:00:00.000Z", toolCalls: 0, tokens: 0, costUsd: 0 },
      loginBackoffReason: "PERSONA_SEED_SECRET differs",
      lastDispatch: { status: "outbox-pending", reason: "previous run's results not yet delivered", at: "2026-11-25T09:01:00.000Z" },
    });
    expect(outcomeOf(stuck, undefined)).toEqual({
      text: "failed",
      tone: "bad",
      notes: [{ text: "login 401" }, { text: "PERSONA_SEED_SECRET differs", bad: true }, { text: "outbox-pending: previous run's results not yet delivered" }],
    });
  });

  it("shows a queued run's place and what holds it back", () => {
    expect(outcomeOf(persona(), { userId: "u1", state: "queued", position: 3, detail: "daily budget $10 spent" })).toEqual({
      text: "queued #3",
      tone: "",
      notes: [{ text: "daily budget $10 spent" }],
    });
  });
});

describe("the persona list's pages", () => {
  it("knows a page past the end, and an empty list as page 1 of 1", () => {
    expect(pagesOf({ offset: 4900, limit: 50, total: 10 })).toEqual({ page: 99, pages: 1, pastTheEnd: true });
    expect(pagesOf({ offset: 50, limit: 50, total: 100 })).toEqual({ page: 2, pages: 2, pastTheEnd: false });
    expect(pagesOf({ offset: 0, limit: 50, total: 0 })).toEqual({ page: 1, pages: 1, pastTheEnd: false });
  });
});
