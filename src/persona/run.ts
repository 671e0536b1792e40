import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { abandonInflight, initialLoopState, type LoopState, runMainTurn, type TurnSetup } from "../claude/loop";
import { mainTurnPrompt, preferredModules, ratingPrompt } from "../claude/prompts";
import { parseRatings } from "../claude/rating";
import { addUsage, costUsd, priceFor, totalTokens, ZERO_USAGE } from "../claude/usage";
import type { Config } from "../config";
import type { SlotDecision } from "../coordinator/coordinator";
import type { Logger } from "../log";
import { derivePersonaPassword } from "../mana/password";
import { buildNameMap, type NameMap } from "../mcp/names";
import { isToolAllowed } from "../mcp/policy";
import type { McpSession } from "../mcp/session";
import { actionRows, modulesUsed } from "./actions";
import { planFor } from "./failure";
import { deliverEntry, outboxVerdict } from "./outbox";
import type { Ports } from "./ports";
import type { RunRecord, RunStore } from "./store";

/** After this many failed invocations a run stops retrying and is marked failed with its last reason. */
export const MAX_ATTEMPTS = 6;
const RETRY_BACKOFF = { base: 2_000, max: 5 * 60_000 };
const RATING_MAX_TOKENS = 1024;

export interface Slots {
  acquire(fresh: boolean): Promise<SlotDecision>;
  release(): Promise<void>;
  coolDown(untilMs: number): Promise<void>;
  spend(tokens: number, costUsd: number): Promise<void>;
  finished(run: RunRecord): Promise<void>;
}

export interface RunDeps {
  config: Config;
  ports: Ports;
  slots: Slots;
  store: RunStore;
  log: Logger;
  now(): number;
  /** This invocation must hand over to the next alarm once past this time or subrequest count. */
  yieldAt: { time: number; subrequests: number };
  loginBackoff(untilMs: number, reason: string): void;
}

/** What the persona object should do next: nothing (settled), or run again at a time. */
export type Next = { alarmAt?: number };

interface Session {
  mcp: McpSession;
  names: NameMap;
  tools: Tool[];
}

/** Advances a run as far as this invocation allows, checkpointing every step. */
export async function advanceRun(run: RunRecord, deps: RunDeps): Promise<Next> {
  if (run.phase === "succeeded" || run.phase === "failed") return {};
  if (run.phase === "delivering") return deliver(run, deps);
  if (run.attempts >= MAX_ATTEMPTS) return giveUp(run, deps, `gave up after ${run.attempts} attempts: ${run.error ?? "unknown error"}`);

  const decision = await deps.slots.acquire(run.phase === "queued");
  if (!decision.granted) return wait(run, deps, decision);
  run.attempts++;
  save(run, deps);
  let ready: boolean;
  try {
    ready = await work(run, deps);
  } catch (error) {
    return recover(run, deps, error);
  } finally {
    await deps.slots.release();
  }
  return ready ? deliver(run, deps) : { alarmAt: deps.now() };
}

/** True once the run's results are in the outbox; false when the invocation yielded mid-turn. */
async function work(run: RunRecord, deps: RunDeps): Promise<boolean> {
  if (run.phase === "queued" || run.phase === "main") {
    const ended = await play(run, deps);
    if (!ended) return false;
  }
  await rate(run, deps);
  await toDelivering(run, deps);
  return true;
}

/** The main turn in the app; false when the invocation yielded mid-turn. The rating needs no session. */
async function play(run: RunRecord, deps: RunDeps): Promise<boolean> {
  const session = await openSession(run, deps);
  try {
    if (run.phase === "queued") start(run, deps);
    const loop = await mainTurn(run, session, deps);
    if (!loop.ended) return false;
    deps.log.info("main_turn_ended", { reason: loop.ended, toolCalls: loop.actions.length, turns: loop.turns });
    run.phase = "rating";
    save(run, deps);
    return true;
  } finally {
    await session.mcp.close();
  }
}

async function openSession(run: RunRecord, deps: RunDeps): Promise<Session> {
  const { persona } = run;
  const password = await derivePersonaPassword(persona.email, deps.config.PERSONA_SEED_SECRET);
  const login = await deps.ports.auth.login(persona.email, password);
  run.spaceId ??= await deps.ports.auth.resolvePersonalSpace(login.userId, persona.email, password);
  const mcp = await deps.ports.mcp.open(login.accessToken, run.spaceId);
  const policy = { allow: deps.config.TOOL_ALLOW, deny: deps.config.TOOL_DENY };
  // Sorted, so the tool list, and with it the cached prompt prefix, is identical on every request.
  const offered = mcp.tools.filter((tool) => isToolAllowed(tool.name, policy)).sort((a, b) => a.name.localeCompare(b.name));
  const names = buildNameMap(offered.map((tool) => tool.name));
  const tools: Tool[] = offered.map((tool) => ({
    name: names.toApi(tool.name) as string,
    description: tool.description ?? tool.name,
    input_schema: { ...tool.inputSchema, type: "object" },
  }));
  return { mcp, names, tools };
}

function start(run: RunRecord, deps: RunDeps): void {
  run.startedAt = deps.now();
  const today = new Date(run.startedAt).toISOString().slice(0, 10);
  run.loop = initialLoopState(mainTurnPrompt(today, preferredModules(run.persona.moduleMix)), ZERO_USAGE);
  run.phase = "main";
  save(run, deps);
  deps.log.info("run_started", { slot: run.slot, manual: run.manual });
}

async function mainTurn(run: RunRecord, session: Session, deps: RunDeps): Promise<LoopState> {
  const { config } = deps;
  const setup: TurnSetup = {
    model: config.ANTHROPIC_MODEL,
    maxTokens: config.MAX_OUTPUT_TOKENS,
    system: run.persona.systemPrompt,
    tools: session.tools,
    promptCaching: config.PROMPT_CACHING,
  };
  const deadline = (run.startedAt ?? deps.now()) + config.RUN_WALL_CLOCK_MS;
  return runMainTurn(run.loop as LoopState, setup, {
    model: deps.ports.model,
    names: session.names,
    callTool: (name, input) => session.mcp.call(name, input),
    checkpoint: async (state) => {
      run.loop = state;
      await account(run, state.usage, deps);
      save(run, deps);
    },
    limitReached: (state) => {
      if (state.turns >= config.MAX_TURNS) return `turn limit ${config.MAX_TURNS} reached`;
      if (totalTokens(state.usage) >= config.RUN_TOKEN_BUDGET) return `run token budget ${config.RUN_TOKEN_BUDGET} reached`;
      if (deps.now() >= deadline) return `wall-clock limit ${config.RUN_WALL_CLOCK_MS} ms reached`;
      return undefined;
    },
    shouldYield: () => deps.now() >= deps.yieldAt.time || deps.ports.subrequests() >= deps.yieldAt.subrequests,
    maxToolCalls: config.MAX_TOOL_CALLS,
    now: deps.now,
  });
}

/** Usage is charged to the day's budget as it happens; run.usage is what has been charged so far. */
async function account(run: RunRecord, usage: RunRecord["usage"], deps: RunDeps): Promise<void> {
  const delta = totalTokens(usage) - totalTokens(run.usage);
  if (delta <= 0) return;
  const cost = costUsd(usage, priceFor(deps.config.ANTHROPIC_MODEL));
  await deps.slots.spend(delta, cost - run.costUsd);
  run.usage = usage;
  run.costUsd = cost;
}

async function rate(run: RunRecord, deps: RunDeps): Promise<void> {
  const actions = run.loop?.actions ?? [];
  const modules = modulesUsed(actions);
  if (modules.length === 0) return;
  const response = await deps.ports.model.create({
    model: deps.config.ANTHROPIC_MODEL,
    max_tokens: RATING_MAX_TOKENS,
    system: run.persona.systemPrompt,
    messages: [{ role: "user", content: ratingPrompt(modules, actions) }],
  });
  await account(run, addUsage(run.usage, response.usage), deps);
  const text = response.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("\n");
  run.rating = { text, feedback: parseRatings(text, modules, run.tickId) };
}

async function toDelivering(run: RunRecord, deps: RunDeps): Promise<void> {
  const now = deps.now();
  if (run.loop) await abandonInflight(run.loop, now);
  const actions = actionRows(run.tickId, run.loop?.actions ?? []);
  if (actions.length > 0) deps.store.enqueue(run.runId, "actions", actions, now);
  if (run.rating && run.rating.feedback.length > 0) deps.store.enqueue(run.runId, "feedback", run.rating.feedback, now);
  run.phase = "delivering";
  save(run, deps);
}

async function deliver(run: RunRecord, deps: RunDeps): Promise<Next> {
  const now = deps.now();
  for (const entry of deps.store.outbox(run.runId)) {
    if (entry.status !== "pending" || entry.nextAt > now) continue;
    const updated = await deliverEntry(entry, run.persona.userId, deps.ports.auth, now);
    deps.store.updateOutbox(updated);
    deps.log.info("outbox_attempt", { kind: entry.kind, rows: entry.body.length, status: updated.status, error: updated.lastError });
  }
  const verdict = outboxVerdict(deps.store.outbox(run.runId));
  if (!verdict.settled) {
    run.error = `delivering: ${deps.store.outbox(run.runId).find((entry) => entry.lastError)?.lastError ?? "pending"}`;
    save(run, deps);
    return { alarmAt: verdict.nextAt };
  }
  return finish(run, deps, verdict.failure ?? run.failure);
}

async function finish(run: RunRecord, deps: RunDeps, failure: string | undefined): Promise<Next> {
  run.phase = failure ? "failed" : "succeeded";
  run.error = failure;
  run.finishedAt = deps.now();
  save(run, deps);
  deps.store.prune(deps.config.RUN_RETENTION);
  await deps.slots.finished(run);
  deps.log.info("run_finished", { outcome: run.phase, error: failure, toolCalls: run.loop?.actions.length ?? 0, costUsd: run.costUsd });
  return {};
}

/** Whatever the run already did in the app is still delivered; the run is then marked failed with the reason. */
async function giveUp(run: RunRecord, deps: RunDeps, reason: string): Promise<Next> {
  run.failure = reason;
  if (run.startedAt === undefined) run.failedBeforeStart = true;
  deps.log.warn("run_giving_up", { reason });
  await toDelivering(run, deps);
  return deliver(run, deps);
}

function wait(run: RunRecord, deps: RunDeps, decision: Extract<SlotDecision, { granted: false }>): Next | Promise<Next> {
  // A queued run waits out a spent budget (it resets at midnight UTC); a paused runner drops it, as the
  // operator asked for no new runs and the persona stays due for the first tick after resume.
  if (run.phase === "queued" && decision.reason === "paused") {
    return finish(run, deps, `not started: ${decision.detail}`);
  }
  run.error = `waiting: ${decision.detail}`;
  save(run, deps);
  return { alarmAt: decision.retryAt };
}

async function recover(run: RunRecord, deps: RunDeps, error: unknown): Promise<Next> {
  const plan = planFor(error);
  deps.log.warn("run_step_failed", { plan: plan.kind, reason: plan.reason, attempt: run.attempts, phase: run.phase });
  run.error = plan.reason;
  if (plan.kind === "fail") return giveUp(run, deps, plan.reason);
  if (plan.kind === "login-backoff") {
    deps.loginBackoff(deps.now() + plan.forMs, plan.reason);
    return giveUp(run, deps, plan.reason);
  }
  if (plan.cooldownMs) await deps.slots.coolDown(deps.now() + plan.cooldownMs);
  save(run, deps);
  const exponential = Math.min(RETRY_BACKOFF.max, RETRY_BACKOFF.base * 2 ** (run.attempts - 1));
  return { alarmAt: deps.now() + Math.max(exponential, plan.atLeastMs ?? 0) };
}

function save(run: RunRecord, deps: RunDeps): void {
  deps.store.save(run);
}
