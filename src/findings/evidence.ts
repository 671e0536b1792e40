/**
 * @module
 * What one finished run tells the findings: its tool outcomes (each failure classified by origin, with its
 * latency), read-after-write verdicts, ratings, the tool surface it was offered, the modules its persona wanted
 * or mentioned, and where it failed if it never started; small enough to hand over in one message.
 */
import { asBlocks, type ActionRecord } from "../claude/conversation";
import { PARSE_MARKER } from "../claude/rating";
import type { Usage } from "../claude/usage";
import type { SurfaceEntry } from "../mcp/fingerprint";
import type { RunHeader } from "../persona/store";
import type { Transcript } from "../persona/transcript";
import type { CheckStatus } from "../verify/check";
import { classify, isServerSide, type Origin } from "./classify";

const ERROR_TEXT_MAX = 300;

export interface CallOutcome {
  tool: string;
  ok: boolean;
  /** Where a failure came from; absent for calls that succeeded. */
  origin?: Origin;
  error?: string;
  latencyMs: number;
  /** A read made by verification, not by the persona. */
  verification?: true;
}

export interface RunEvidence {
  runId: string;
  userId: string;
  persona: string;
  finishedAt: number;
  /** When the run listed mana-mcp's tools: the time its `surface` is true for. */
  startedAt?: number;
  outcome: "succeeded" | "failed";
  failure?: string;
  /** Set when the run gave up before its main turn: where (login, space, mcp), why, and whether the service failed. */
  setup?: { stage: string; error: string; server: boolean };
  /** Calls that reached mana-mcp: the persona's, then verification's reads (calls the runner refused are left out). */
  calls: CallOutcome[];
  checks: { tool: string; status: CheckStatus; detail?: string }[];
  /** Real ratings only; a `__parse` marker is not a rating. */
  ratings: { module: string; rating: number }[];
  /** Every tool mana-mcp listed, with its schema's fingerprint, and the schemas this persona had not reported yet. */
  surface?: SurfaceEntry[];
  schemas?: Record<string, unknown>;
  /** The modules the persona's mix asks for, and those it named in its ratings or its own words. */
  wanted?: string[];
  mentioned?: string[];
  usage: Usage;
  costUsd: number;
  durationMs: number;
}

export function evidenceOf(run: RunHeader, transcript: Transcript, wanted: readonly string[] = []): RunEvidence {
  const finishedAt = run.finishedAt ?? run.createdAt;
  const { conversation } = transcript;
  const persona = conversation.actions.filter((action) => !action.refused).map((action, index, all) => personaCall(action, all.slice(0, index)));
  const reads = transcript.verification.flatMap((step) =>
    step.read ? [{ ...outcome(step.read.tool, step.read.ok, step.read.error, step.read.latencyMs), verification: true as const }] : [],
  );
  const setupError = (run.failure ?? run.error ?? "").slice(0, ERROR_TEXT_MAX);
  return {
    runId: run.runId,
    userId: run.persona.userId,
    persona: run.persona.email,
    finishedAt,
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    outcome: run.phase === "succeeded" ? "succeeded" : "failed",
    ...(run.error ? { failure: run.error.slice(0, ERROR_TEXT_MAX) } : {}),
    ...(run.failedBeforeStart ? { setup: { stage: run.setupStage ?? "setup", error: setupError, server: isServerSide(setupError) } } : {}),
    calls: [...persona, ...reads],
    checks: transcript.verification.flatMap((step) => step.checks.map(({ tool, status, detail }) => ({ tool, status, ...(detail ? { detail } : {}) }))),
    ratings: (transcript.rating?.feedback ?? []).filter((row) => row.module !== PARSE_MARKER).map(({ module, rating }) => ({ module, rating })),
    ...(conversation.surface.length > 0 ? { surface: conversation.surface } : {}),
    ...(Object.keys(conversation.schemas).length > 0 ? { schemas: conversation.schemas } : {}),
    ...(wanted.length > 0 ? { wanted: [...wanted] } : {}),
    ...mentionsOf(transcript, wanted),
    usage: run.usage,
    costUsd: run.costUsd,
    durationMs: Math.max(0, finishedAt - (run.startedAt ?? run.createdAt)),
  };
}

/**
 * A persona's call, classified. An id the app itself answered earlier in the run that the app then cannot find
 * is the app's failure, not a made-up id.
 */
function personaCall(action: ActionRecord, earlier: readonly ActionRecord[]): CallOutcome {
  const call = outcome(action.toolName, action.result === "ok", action.errorMessage, action.latencyMs);
  if (call.origin !== "not-found") return call;
  const id = (action.input as { id?: unknown } | undefined)?.id;
  const known = typeof id === "string" && id.length > 0 && earlier.some((before) => before.result === "ok" && before.output.includes(id));
  return known ? { ...call, origin: "app" } : call;
}

function outcome(tool: string, ok: boolean, error: string | undefined, latencyMs: number): CallOutcome {
  if (ok) return { tool, ok, latencyMs };
  const text = error ?? "";
  return { tool, ok, origin: classify(text), ...(text ? { error: text.slice(0, ERROR_TEXT_MAX) } : {}), latencyMs };
}

/** Modules the persona rated though it did not use them, or named in its ratings' words or its own. */
function mentionsOf(transcript: Transcript, wanted: readonly string[]): { mentioned?: string[] } {
  const rating = transcript.rating;
  const named = (rating?.dropped ?? []).flatMap((dropped) => {
    const module = moduleIn(dropped.entry);
    return module ? [module] : [];
  });
  const said = [
    rating?.text ?? "",
    ...transcript.conversation.messages.filter((message) => message.role === "assistant").flatMap((message) => asBlocks(message.content).flatMap((block) => (block.type === "text" ? [block.text] : []))),
  ].join("\n");
  const words = wanted.filter((module) => wordsFor(module).some((word) => new RegExp(`(^|[^\\p{L}])${word}`, "iu").test(said)));
  const mentioned = [...new Set([...named, ...words])];
  return mentioned.length > 0 ? { mentioned } : {};
}

/**
 * How a persona names a module in its own words: the module's name, and the German word stems the personas speak
 * (the app and its personas are German). A module without an entry is matched by its name alone.
 */
const MODULE_WORDS: Readonly<Record<string, readonly string[]>> = {
  articles: ["artikel"],
  calendar: ["kalender", "termin"],
  contacts: ["kontakt"],
  dreams: ["traum", "träum"],
  goals: ["ziel"],
  habits: ["gewohnheit"],
  invoices: ["rechnung"],
  journal: ["tagebuch"],
  library: ["bibliothek", "bücher"],
  mood: ["stimmung"],
  newsResearch: ["nachrichten", "recherche"],
  notes: ["notiz"],
  todo: ["aufgabe"],
};

function wordsFor(module: string): string[] {
  const name = module.replace(/[^\p{L}\d-]/gu, "");
  return [name, ...(MODULE_WORDS[module] ?? [])].filter((word) => word.length > 0);
}

function moduleIn(entry: string): string | undefined {
  try {
    const parsed = JSON.parse(entry) as { module?: unknown };
    return typeof parsed.module === "string" && parsed.module.length <= 64 ? parsed.module : undefined;
  } catch {
    return undefined;
  }
}
