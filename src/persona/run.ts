/**
 * @module
 * One run's state machine: queued → main → verifying → rating → delivering → succeeded | failed, advanced as far
 * as an invocation allows, every step stored before the next begins.
 */
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { MODEL_TEXT_MAX_CHARS, truncate } from "../caps";
import type { Conversation } from "../claude/conversation";
import { interruptedAction, runMainTurn, type TurnSetup } from "../claude/loop";
import { costUsd, priceFor } from "../claude/prices";
import { mainTurnPrompt, preferredModules } from "../claude/prompts";
import { parseRatings } from "../claude/rating";
import { ratingRequest } from "../claude/rating-turn";
import { fromApi, subtractUsage, totalTokens } from "../claude/usage";
import type { Config } from "../config";
import type { SlotDecision } from "../coordinator/coordinator";
import type { PersonaSummary } from "../directory/summary";
import { evidenceOf, type RunEvidence } from "../findings/evidence";
import type { Logger } from "../log";
import { derivePersonaPassword } from "../mana/password";
import type { DuePersona } from "../mana/schemas";
import { nameMapOf } from "../mcp/names";
import type { McpSession } from "../mcp/session";
import { surfaceOf } from "../mcp/fingerprint";
import { offerTools } from "../mcp/tools";
import { verifyWrites } from "../verify/verify";
import { actionRows, modulesUsed } from "./actions";
import { CheckpointError, planFor } from "./failure";
import { deliverEntry, outboxVerdict } from "./outbox";
import type { Ports } from "./ports";
import type { RunHeader, RunStore, RunTotals } from "./store";
import { apply, replay, type RunStep, type Transcript } from "./transcript";

/** After this many failed invocations a run stops retrying and is marked failed with its last reason. */
export const MAX_ATTEMPTS = 6;
const RETRY_BACKOFF = { base: 2_000, max: 5 * 60_000 };
/**
 * A waiting manual run asks for its slot again this often: a tick's run is queued again by the next tick if its
 * wake-up is lost, a manual run has no next tick. Manual runs are few, so this costs the coordinator nothing.
 */
export const MANUAL_RECHECK_MS = 10 * 60_000;
/**
 * The schema fingerprints the findings hold from this persona: the surface of its evidence last delivered. A run
 * hands over only the schemas not among them, so the findings learn each schema once per persona instead of
 * thirty-odd schemas with every run; a schema whose evidence never arrived is sent again by the next run.
 */
const REPORTED_SCHEMAS = "reportedSchemas";

export interface Slots {
  acquire(fresh: boolean): Promise<SlotDecision>;
  release(): Promise<void>;
  coolDown(untilMs: number): Promise<void>;
  spend(tokens: number, costUsd: number): Promise<void>;
}

export interface RunDeps {
  config: Config;
  ports: Ports;
  slots: Slots;
  store: RunStore;
  log: Logger;
  now(): number;
  /** The persona as last dispatched: its prompt and module mix. */
  persona(): DuePersona;
  /** The persona's summary for the directory, as it stands after the run finished. */
  summary(): PersonaSummary;
  /** This invocation must hand over to the next alarm once past this time or subrequest count. */
  yieldAt: { time: number; subrequests: number };
  loginBackoff(untilMs: number, reason: string): void;
}

/** When the persona object should run again, if at all (the coordinator wakes runs waiting for a slot). */
export type Next = { alarmAt?: number };

/** The run's transcript in memory, kept equal to its stored steps. */
interface Live {
  transcript: Transcript;
}

interface Session {
  mcp: McpSession;
  listed: Set<string>;
}

/** Advances a run as far as this invocation allows. */
export async function advanceRun(run: RunHeader, deps: RunDeps): Promise<Next> {
  if (run.phase === "succeeded" || run.phase === "failed") return {};
  if (run.phase === "delivering") return deliverRun(run, deps);
  if (run.attempts >= MAX_ATTEMPTS) return giveUp(run, deps, `gave up after ${run.attempts} attempts: ${run.error ?? "unknown error"}`);

  const decision = await deps.slots.acquire(run.phase === "queued");
  if (!decision.granted) return wait(run, deps, decision);
  run.attempts++;
  deps.store.saveHeader(run);
  const live: Live = { transcript: replay(deps.store.steps(run.runId)) };
  let ended: boolean;
  try {
    ended = await work(run, live, deps);
  } catch (error) {
    return await recover(run, deps, error);
  } finally {
    await deps.slots.release();
  }
  return ended ? deliverRun(run, deps) : { alarmAt: deps.now() };
}

/** True once the run's results are in the outbox; false when the invocation yielded mid-turn. */
async function work(run: RunHeader, live: Live, deps: RunDeps): Promise<boolean> {
  // A model answer stored but not yet charged (the coordinator failed last time) is charged first.
  await charge(run, live, deps);
  if (run.phase === "queued" || run.phase === "main" || run.phase === "verifying") {
    const session = await openSession(run, deps);
    try {
      if (run.phase === "queued") await start(run, live, session, deps);
      if (run.phase === "main" && !(await mainTurn(run, live, session, deps))) return false;
      if (run.phase === "verifying") {
        if (mustYield(deps)) return false;
        await verify(run, live, session, deps);
      }
    } finally {
      await session.mcp.close();
    }
  }
  if (mustYield(deps)) return false;
  await rate(run, live, deps);
  await toDelivering(run, live, deps);
  return true;
}

async function openSession(run: RunHeader, deps: RunDeps): Promise<Session> {
  const { persona } = run;
  run.setupStage = "login";
  const password = await derivePersonaPassword(persona.email, deps.config.PERSONA_SEED_SECRET);
  const login = await deps.ports.auth.login(persona.email, password);
  run.setupStage = "space";
  run.spaceId ??= await deps.ports.auth.resolvePersonalSpace(login.userId, persona.email, password);
  run.setupStage = "mcp";
  const mcp = await deps.ports.mcp.open(login.accessToken, run.spaceId);
  run.setupStage = undefined;
  return { mcp, listed: new Set(mcp.tools.map((tool) => tool.name)) };
}

/** Fixes the run's brief and tool list in its first step; a resumed run keeps both, and with them the cache. */
async function start(run: RunHeader, live: Live, session: Session, deps: RunDeps): Promise<void> {
  const persona = deps.persona();
  const offered = offerTools(session.mcp.tools, { allow: deps.config.TOOL_ALLOW, deny: deps.config.TOOL_DENY });
  if (offered.leftOut.length > 0) deps.log.warn("tools_left_out", { tools: offered.leftOut });
  run.startedAt = deps.now();
  const today = new Date(run.startedAt).toISOString().slice(0, 10);
  const prompt = mainTurnPrompt(today, preferredModules(persona.moduleMix));
  const { surface, schemas } = await surfaceOf(session.mcp.tools);
  const reported = new Set<string>(JSON.parse(deps.store.fact(REPORTED_SCHEMAS) ?? "[]"));
  const fresh = Object.fromEntries(Object.entries(schemas).filter(([fingerprint]) => !reported.has(fingerprint)));
  const step = { type: "start", system: persona.systemPrompt, prompt, tools: offered.tools as Tool[], names: offered.names, leftOut: offered.leftOut, surface, schemas: fresh } as const;
  await record(run, live, deps, step);
  run.phase = "main";
  deps.store.saveHeader(run);
  deps.log.info("run_started", { slot: run.slot, manual: run.manual, toolsOffered: offered.tools.length });
}

/** True when the main turn is over; false when the invocation must yield first. */
async function mainTurn(run: RunHeader, live: Live, session: Session, deps: RunDeps): Promise<boolean> {
  const { config } = deps;
  const conversation = live.transcript.conversation;
  const deadline = (run.startedAt ?? deps.now()) + config.RUN_WALL_CLOCK_MS;
  await runMainTurn(conversation, turnSetup(config), {
    model: deps.ports.model,
    names: nameMapOf(conversation.names),
    callTool: (name, input) => session.mcp.call(name, input),
    record: (step) => record(run, live, deps, step),
    charge: () => charge(run, live, deps),
    limitReached: (state) => {
      if (state.turns >= config.MAX_TURNS) return `turn limit ${config.MAX_TURNS} reached`;
      if (totalTokens(state.usage) >= config.RUN_TOKEN_BUDGET) return `run token budget ${config.RUN_TOKEN_BUDGET} reached`;
      if (deps.now() >= deadline) return `wall-clock limit ${config.RUN_WALL_CLOCK_MS} ms reached`;
      return undefined;
    },
    shouldYield: () => mustYield(deps),
    maxToolCalls: config.MAX_TOOL_CALLS,
    now: deps.now,
  });
  if (!conversation.ended) return false;
  deps.log.info("main_turn_ended", { reason: conversation.ended, toolCalls: conversation.actions.length, turns: conversation.turns });
  run.phase = "verifying";
  deps.store.saveHeader(run);
  return true;
}

async function verify(run: RunHeader, live: Live, session: Session, deps: RunDeps): Promise<void> {
  const { conversation, verification } = live.transcript;
  await verifyWrites(conversation.actions, verification, deps.config.VERIFY_MAX_CALLS, {
    offered: session.listed,
    call: (tool, args) => session.mcp.call(tool, args),
    record: (step) => record(run, live, deps, step),
    now: deps.now,
  });
  run.phase = "rating";
  deps.store.saveHeader(run);
}

/** The persona rates, in character, the modules it used, as the continuation of its own conversation. */
async function rate(run: RunHeader, live: Live, deps: RunDeps): Promise<void> {
  const { conversation } = live.transcript;
  const modules = modulesUsed(conversation.actions);
  if (live.transcript.rating || modules.length === 0) return;
  const response = await deps.ports.model.create(ratingRequest(turnSetup(deps.config), conversation, modules));
  const text = response.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("\n");
  const { feedback, dropped } = parseRatings(text, modules, run.tickId);
  await record(run, live, deps, { type: "rating", text: truncate(text, MODEL_TEXT_MAX_CHARS), feedback, dropped, usage: fromApi(response.usage) });
  await charge(run, live, deps);
  if (dropped.length > 0) deps.log.warn("ratings_dropped", { dropped });
}

/** Stores a step, then applies it; a step that cannot be stored ends the run once, with the reason. */
async function record(run: RunHeader, live: Live, deps: RunDeps, step: RunStep): Promise<void> {
  try {
    deps.store.appendStep(run.runId, step);
  } catch (error) {
    throw new CheckpointError(`could not store a ${step.type} step: ${error instanceof Error ? error.message : String(error)}`);
  }
  apply(live.transcript, step);
}

/** Charges the day's budget for model usage stored but not charged yet; the header keeps what was charged. */
async function charge(run: RunHeader, live: Live, deps: RunDeps): Promise<void> {
  const due = subtractUsage(live.transcript.usage, run.usage);
  if (totalTokens(due) <= 0) return;
  const cost = costUsd(due, priceFor(deps.config.ANTHROPIC_MODEL).price);
  await deps.slots.spend(totalTokens(due), cost);
  run.usage = live.transcript.usage;
  run.costUsd += cost;
  deps.store.saveHeader(run);
}

/** The results go to the outbox as identical batches; a call left in flight is reported as interrupted, once. */
async function toDelivering(run: RunHeader, live: Live, deps: RunDeps): Promise<void> {
  const now = deps.now();
  const { conversation, rating, verification } = live.transcript;
  const interrupted = await interruptedAction(conversation, now);
  if (interrupted) await recordInterrupted(run, live, deps, interrupted);
  const actions = actionRows(run.tickId, conversation.actions);
  if (actions.length > 0) deps.store.enqueue(run.runId, "actions", actions, now);
  if (rating && rating.feedback.length > 0) deps.store.enqueue(run.runId, "feedback", rating.feedback, now);
  run.totals = totalsOf(conversation, verification, rating?.feedback.length ?? 0);
  run.phase = "delivering";
  deps.store.saveHeader(run);
}

/** Best effort: when storage is what failed, the interrupted call still reaches mana-auth through the batch. */
async function recordInterrupted(run: RunHeader, live: Live, deps: RunDeps, action: Conversation["actions"][number]): Promise<void> {
  const result = { type: "tool_result" as const, tool_use_id: action.toolUseId, content: action.output, is_error: true };
  try {
    await record(run, live, deps, { type: "result", action, result });
  } catch {
    live.transcript.conversation.actions.push(action);
  }
}

function totalsOf(conversation: Conversation, verification: Transcript["verification"], ratings: number): RunTotals {
  const checks = verification.flatMap((step) => step.checks);
  return {
    toolCalls: conversation.actions.length,
    toolErrors: conversation.actions.filter((action) => action.result === "error").length,
    verified: checks.filter((check) => check.status === "verified").length,
    notVisible: checks.filter((check) => check.status === "missing" || check.status === "mismatch").length,
    ratings,
  };
}

/** Delivers the run's due entries now, then waits for the rest or finishes once mana-auth has everything. */
async function deliverRun(run: RunHeader, deps: RunDeps): Promise<Next> {
  await deliverDue(run.runId, run.persona.userId, deps);
  const entries = deps.store.outbox(run.runId);
  const verdict = outboxVerdict(entries);
  if (!verdict.settled) {
    run.error = `delivering: ${entries.find((entry) => entry.lastError)?.lastError ?? "pending"}`;
    deps.store.saveHeader(run);
    return { alarmAt: verdict.nextAt };
  }
  return finish(run, deps, verdict.failure ?? run.failure);
}

/**
 * One attempt for each due entry of this run; one entry failing never stops the others. An attempt that did not
 * deliver is logged on its own; what was delivered, in one line per run.
 */
export async function deliverDue(runId: string | undefined, userId: string, deps: Pick<RunDeps, "store" | "ports" | "log" | "now">): Promise<void> {
  const now = deps.now();
  const delivered = new Map<string, string[]>();
  for (const entry of deps.store.dueEntries(now)) {
    if (runId !== undefined && entry.runId !== runId) continue;
    const updated = await deliverEntry(entry, userId, deps.ports.delivery, now);
    deps.store.updateOutbox(updated);
    if (updated.status === "delivered") {
      if (entry.kind === "evidence") schemasDelivered(deps.store, entry.body as RunEvidence);
      delivered.set(entry.runId, [...(delivered.get(entry.runId) ?? []), entry.kind]);
      continue;
    }
    const level = updated.status === "pending" ? "info" : "warn";
    deps.log[level]("outbox_attempt", { runId: entry.runId, kind: entry.kind, status: updated.status, attempts: updated.attempts, error: updated.lastError });
  }
  for (const [deliveredRun, kinds] of delivered) deps.log.info("outbox_delivered", { runId: deliveredRun, kinds });
}

/**
 * The findings now hold every schema of this evidence's surface: each came with it or with evidence delivered
 * before (a run sends what the last delivered surface lacks). Evidence of a run that never listed tools has none.
 */
function schemasDelivered(store: RunStore, evidence: RunEvidence): void {
  if (evidence.surface) store.setFact(REPORTED_SCHEMAS, JSON.stringify(evidence.surface.map(([, fingerprint]) => fingerprint)));
}

async function finish(run: RunHeader, deps: RunDeps, failure: string | undefined): Promise<Next> {
  const now = deps.now();
  run.phase = failure ? "failed" : "succeeded";
  run.error = failure;
  run.finishedAt = now;
  deps.store.saveHeader(run);
  // A run a pause dropped before it began tells the findings nothing about the app.
  if (run.startedAt !== undefined || run.failedBeforeStart) {
    deps.store.enqueue(run.runId, "evidence", evidenceOf(run, replay(deps.store.steps(run.runId)), preferredModules(deps.persona().moduleMix)), now);
  }
  deps.store.enqueue(run.runId, "summary", deps.summary(), now);
  deps.store.prune(deps.config.RUN_RETENTION);
  deps.log.info("run_finished", {
    outcome: run.phase,
    error: failure,
    toolCalls: run.totals?.toolCalls ?? 0,
    costUsd: run.costUsd,
    // Since this object instance started: a fresh persona's first run is all of it (what the bench reads).
    objectBytesWritten: deps.store.bytesWritten,
  });
  await deliverDue(run.runId, run.persona.userId, deps);
  return {};
}

/** Whatever the run already did in the app is still delivered; the run is then marked failed with the reason. */
export async function giveUp(run: RunHeader, deps: RunDeps, reason: string): Promise<Next> {
  run.failure = reason;
  if (run.startedAt === undefined) run.failedBeforeStart = true;
  deps.log.warn("run_giving_up", { reason, setupStage: run.setupStage });
  const live = { transcript: replay(deps.store.steps(run.runId)) };
  // Best effort: what the model answered is charged even when the coordinator failed the last time.
  await charge(run, live, deps).catch((error: unknown) => deps.log.warn("charge_failed", { error }));
  await toDelivering(run, live, deps);
  return deliverRun(run, deps);
}

/** Not granted: the coordinator queued the run and wakes it when a slot frees; nothing polls meanwhile. */
function wait(run: RunHeader, deps: RunDeps, decision: Extract<SlotDecision, { granted: false }>): Next | Promise<Next> {
  // A paused runner drops a run that has not started: the operator asked for no new runs, and the persona
  // stays due for the first tick after resume.
  if (run.phase === "queued" && decision.reason === "paused") return finish(run, deps, `not started: ${decision.detail}`);
  run.error = `waiting: ${decision.detail}`;
  deps.store.saveHeader(run);
  return run.manual ? { alarmAt: deps.now() + MANUAL_RECHECK_MS } : {};
}

async function recover(run: RunHeader, deps: RunDeps, error: unknown): Promise<Next> {
  const plan = planFor(error);
  deps.log.warn("run_step_failed", { plan: plan.kind, reason: plan.reason, attempt: run.attempts, phase: run.phase, setupStage: run.setupStage });
  run.error = plan.reason;
  if (plan.kind === "fail") return giveUp(run, deps, plan.reason);
  if (plan.kind === "login-backoff") {
    deps.loginBackoff(deps.now() + plan.forMs, plan.reason);
    return giveUp(run, deps, plan.reason);
  }
  if (plan.cooldownMs) await deps.slots.coolDown(deps.now() + plan.cooldownMs);
  deps.store.saveHeader(run);
  const exponential = Math.min(RETRY_BACKOFF.max, RETRY_BACKOFF.base * 2 ** (run.attempts - 1));
  return { alarmAt: deps.now() + Math.max(exponential, plan.atLeastMs ?? 0) };
}

/** The invocation is near its platform limits: hand over to the next alarm at this step boundary. */
function mustYield(deps: RunDeps): boolean {
  return deps.now() >= deps.yieldAt.time || deps.ports.subrequests() >= deps.yieldAt.subrequests;
}

function turnSetup(config: Config): TurnSetup {
  return { model: config.ANTHROPIC_MODEL, maxTokens: config.MAX_OUTPUT_TOKENS, promptCaching: config.PROMPT_CACHING, toolCache: config.TOOL_CACHE_TTL };
}
