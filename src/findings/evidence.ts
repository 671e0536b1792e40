/**
 * @module
 * What one finished run tells the findings: its tool outcomes, read-after-write verdicts, ratings and setup
 * failure, small enough to hand over in one message.
 */
import { PARSE_MARKER } from "../claude/rating";
import type { Usage } from "../claude/usage";
import type { CheckStatus } from "../verify/check";
import type { RunHeader } from "../persona/store";
import type { Transcript } from "../persona/transcript";

const ERROR_TEXT_MAX = 300;

export interface CallOutcome {
  tool: string;
  ok: boolean;
  error?: string;
  /** A read made by verification, not by the persona. */
  verification?: true;
}

export interface RunEvidence {
  runId: string;
  userId: string;
  persona: string;
  finishedAt: number;
  outcome: "succeeded" | "failed";
  failure?: string;
  /** Set when the run gave up before its main turn: where (login, space, mcp) and why. */
  setup?: { stage: string; error: string };
  /** Calls that reached mana-mcp: the persona's, then verification's reads (calls the runner refused are left out). */
  calls: CallOutcome[];
  checks: { tool: string; status: CheckStatus; detail?: string }[];
  /** Real ratings only; a `__parse` marker is not a rating. */
  ratings: { module: string; rating: number }[];
  usage: Usage;
  costUsd: number;
  durationMs: number;
}

export function evidenceOf(run: RunHeader, transcript: Transcript): RunEvidence {
  const finishedAt = run.finishedAt ?? run.createdAt;
  const persona: CallOutcome[] = transcript.conversation.actions
    .filter((action) => !action.refused)
    .map((action) => outcome(action.toolName, action.result === "ok", action.errorMessage));
  const reads = transcript.verification.flatMap((step) =>
    step.read ? [{ ...outcome(step.read.tool, step.read.ok, step.read.error), verification: true as const }] : [],
  );
  return {
    runId: run.runId,
    userId: run.persona.userId,
    persona: run.persona.email,
    finishedAt,
    outcome: run.phase === "succeeded" ? "succeeded" : "failed",
    ...(run.error ? { failure: run.error.slice(0, ERROR_TEXT_MAX) } : {}),
    ...(run.failedBeforeStart ? { setup: { stage: run.setupStage ?? "setup", error: (run.failure ?? run.error ?? "").slice(0, ERROR_TEXT_MAX) } } : {}),
    calls: [...persona, ...reads],
    checks: transcript.verification.flatMap((step) => step.checks.map(({ tool, status, detail }) => ({ tool, status, ...(detail ? { detail } : {}) }))),
    ratings: (transcript.rating?.feedback ?? []).filter((row) => row.module !== PARSE_MARKER).map(({ module, rating }) => ({ module, rating })),
    usage: run.usage,
    costUsd: run.costUsd,
    durationMs: Math.max(0, finishedAt - (run.startedAt ?? run.createdAt)),
  };
}

function outcome(tool: string, ok: boolean, error: string | undefined): CallOutcome {
  return { tool, ok, ...(!ok && error ? { error: error.slice(0, ERROR_TEXT_MAX) } : {}) };
}
