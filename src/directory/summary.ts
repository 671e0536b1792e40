/**
 * @module
 * A persona as the status page and the JSON API list it: one row of the directory, written by the persona's
 * own object when its runs change state, so no page ever asks ten thousand objects.
 */
import type { Cadence } from "../mana/schemas";
import type { Phase } from "../persona/store";

export interface RunView {
  runId: string;
  phase: Phase;
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  toolCalls: number;
  tokens: number;
  costUsd: number;
}

export interface PersonaSummary {
  userId: string;
  email: string;
  archetype: string;
  tickCadence: Cadence;
  activeRun?: RunView;
  lastRun?: RunView;
  nextEligibleAt?: string;
  loginBackoffUntil?: string;
  loginBackoffReason?: string;
  /** What the last dispatch came to when it did not start a run (cooldown, backing off, ...). */
  lastDispatch?: { status: string; reason?: string; at: string };
  day: string;
  tokensToday: number;
  costTodayUsd: number;
  /** When the persona object wrote this; a newer summary always wins. */
  updatedAt: number;
}
