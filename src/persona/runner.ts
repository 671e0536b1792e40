import { DurableObject } from "cloudflare:workers";
import { costUsd, priceFor, totalTokens } from "../claude/usage";
import { type Config, loadConfig } from "../config";
import { coordinator } from "../coordinator/coordinator";
import type { Env } from "../env";
import { createLogger, type Logger } from "../log";
import type { DuePersona } from "../mana/schemas";
import { decideDispatch, type DispatchDecision, nextEligibleAt } from "./eligibility";
import { buildPorts } from "./ports";
import { advanceRun, type RunDeps, type Slots } from "./run";
import { type RunRecord, RunStore, TERMINAL } from "./store";

export interface DispatchRequest {
  persona: DuePersona;
  slot: string;
  manual?: boolean;
  /** The tick already knows no run can start before then (daily budget spent): sleep until then. */
  notBefore?: { at: number; reason: string };
}

/** `held`: queued, but asleep until the tick's notBefore (the run starts then, nobody need wait for it now). */
export type DispatchStatus = "started" | "held" | "error" | Extract<DispatchDecision, { start: false }>["status"];

export interface DispatchResult {
  status: DispatchStatus;
  runId?: string;
  reason?: string;
}

export interface PersonaStatus {
  persona?: Pick<DuePersona, "userId" | "email" | "archetype" | "tickCadence">;
  activeRun?: RunSummaryView;
  lastRun?: RunSummaryView;
  nextEligibleAt?: string;
  loginBackoffUntil?: string;
  loginBackoffReason?: string;
  tokensToday: number;
  costTodayUsd: number;
}

export interface RunPhase {
  phase: RunRecord["phase"];
  error?: string;
  finishedAt?: number;
}

export interface RunSummaryView {
  runId: string;
  phase: RunRecord["phase"];
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  toolCalls: number;
  tokens: number;
  costUsd: number;
}

/** Invocation limits below the platform's (15 min wall time, 1,000 subrequests on our plan's budget). */
const INVOCATION_MS = 12 * 60_000;
const INVOCATION_SUBREQUESTS = 800;
/** A crashed alarm handler is retried by the platform; this is our own floor for unexpected errors. */
const UNEXPECTED_RETRY_MS = 30_000;

/** One persona: accepts dispatches, runs at most one run at a time inside alarm(), keeps runs in SQLite. */
export class PersonaRunner extends DurableObject<Env> {
  private readonly store: RunStore;
  private alarmEnded = signal();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage.sql);
  }

  async dispatch(request: DispatchRequest): Promise<DispatchResult> {
    const { persona, slot } = request;
    const now = Date.now();
    this.store.setFact("persona", JSON.stringify(persona));
    const active = this.store.activeRun();
    const decision = decideDispatch({
      now,
      slot,
      manual: request.manual ?? false,
      cadence: persona.tickCadence,
      lastSlot: this.store.fact("lastSlot"),
      activeRunId: active?.runId,
      lastFinishedAt: this.store.lastFinishedAt(),
      lastUnstartedFailureAt: this.store.lastUnstartedFailureAt(),
      loginBackoffUntil: Number(this.store.fact("loginBackoffUntil") ?? 0) || undefined,
      loginBackoffReason: this.store.fact("loginBackoffReason"),
      outboxPending: !active && this.store.hasPendingOutbox(),
    });
    if (!decision.start) {
      // Every dispatch re-arms a stuck run: an alarm whose retries ran out must not strand it.
      if (active && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now);
      return { status: decision.status, reason: decision.reason };
    }
    const runId = `${slot}-${persona.userId}`;
    this.store.setFact("lastSlot", slot);
    const waitUntil = request.notBefore && request.notBefore.at > now ? request.notBefore : undefined;
    this.store.save({
      runId,
      tickId: runId,
      slot,
      manual: request.manual ?? false,
      persona,
      phase: "queued",
      attempts: 0,
      createdAt: now,
      usage: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
      costUsd: 0,
      ...(waitUntil ? { error: `waiting: ${waitUntil.reason}` } : {}),
    });
    await this.ctx.storage.setAlarm(waitUntil ? waitUntil.at + spreadMs(persona.userId) : now);
    return waitUntil ? { status: "held", runId, reason: waitUntil.reason } : { status: "started", runId };
  }

  override async alarm(): Promise<void> {
    const run = this.store.activeRun();
    if (!run) return;
    const config = loadConfig(this.env);
    const log = createLogger({ tickId: run.tickId, persona: run.persona.email, runId: run.runId });
    let alarmAt: number | undefined;
    try {
      ({ alarmAt } = await advanceRun(run, this.deps(config, log)));
    } catch (error) {
      log.error("alarm_failed", { error });
      alarmAt = Date.now() + UNEXPECTED_RETRY_MS;
    }
    // Set late on purpose: an alarm set early would suppress the platform's retry of a crashed handler.
    // An earlier alarm set meanwhile (a wake() while this invocation waited for a slot) wins.
    const meanwhile = await this.ctx.storage.getAlarm();
    if (alarmAt !== undefined && (meanwhile === null || alarmAt < meanwhile)) await this.ctx.storage.setAlarm(alarmAt);
    this.alarmEnded.fire();
    this.alarmEnded = signal();
  }

  /** The coordinator's nudge when a concurrency slot frees: try the waiting run now instead of at its retry. */
  async wake(): Promise<void> {
    if (this.store.activeRun()) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * Where a run stands, once it has settled or after `waitMs`, whichever is first; /diag/tick waits on this for
   * the runs it dispatched. Answering at each alarm's end instead of being polled keeps the waiting off the CPU
   * the runs need.
   */
  async runPhase(runId: string, waitMs = 0): Promise<RunPhase | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const run = this.store.run(runId);
      if (!run || TERMINAL.has(run.phase) || Date.now() >= deadline) {
        return run && { phase: run.phase, ...(run.error ? { error: run.error } : {}), ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}) };
      }
      let timer: ReturnType<typeof setTimeout> | null = null;
      await Promise.race([this.alarmEnded.promise, new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now())))]);
      clearTimeout(timer);
    }
  }

  status(): PersonaStatus {
    const persona = this.store.fact("persona");
    const parsed = persona ? (JSON.parse(persona) as DuePersona) : undefined;
    const recent = this.store.recentRuns(200);
    const active = recent.find((run) => !TERMINAL.has(run.phase));
    const last = recent.find((run) => TERMINAL.has(run.phase));
    const today = new Date().toISOString().slice(0, 10);
    const todays = recent.filter((run) => new Date(run.createdAt).toISOString().startsWith(today));
    const backoff = Number(this.store.fact("loginBackoffUntil") ?? 0);
    const finishedAt = this.store.lastFinishedAt();
    const unstartedFailureAt = this.store.lastUnstartedFailureAt();
    return {
      ...(parsed ? { persona: { userId: parsed.userId, email: parsed.email, archetype: parsed.archetype, tickCadence: parsed.tickCadence } } : {}),
      ...(active ? { activeRun: view(active) } : {}),
      ...(last ? { lastRun: view(last) } : {}),
      ...(parsed && (finishedAt ?? unstartedFailureAt) !== undefined
        ? { nextEligibleAt: new Date(nextEligibleAt(parsed.tickCadence, finishedAt, unstartedFailureAt)).toISOString() }
        : {}),
      ...(backoff > Date.now() ? { loginBackoffUntil: new Date(backoff).toISOString(), loginBackoffReason: this.store.fact("loginBackoffReason") } : {}),
      tokensToday: todays.reduce((sum, run) => sum + totalTokens(run.usage), 0),
      costTodayUsd: todays.reduce((sum, run) => sum + run.costUsd, 0),
    };
  }

  knownPersona(): DuePersona | undefined {
    const persona = this.store.fact("persona");
    return persona ? (JSON.parse(persona) as DuePersona) : undefined;
  }

  runs(limit = 50): RunSummaryView[] {
    return this.store.recentRuns(limit).map(view);
  }

  run(runId: string): RunRecord | undefined {
    return this.store.run(runId);
  }

  private deps(config: Config, log: Logger): RunDeps {
    const hub = coordinator(this.env.COORDINATOR);
    const ports = buildPorts(this.env, config);
    const started = Date.now();
    let runId = "";
    const slots: Slots = {
      acquire: async (fresh) => {
        const run = this.store.activeRun();
        runId = run?.runId ?? "";
        return hub.acquire({ runId, persona: run?.persona.email ?? "", userId: run?.persona.userId ?? "", fresh, concurrency: config.PERSONA_CONCURRENCY, dailyTokenBudget: config.DAILY_TOKEN_BUDGET, envPaused: config.RUNNER_PAUSED });
      },
      release: () => hub.release(runId),
      coolDown: (until) => hub.coolDown(until),
      spend: (tokens, cost) => hub.spend(tokens, cost),
      finished: (run) => hub.recordRun(summaryOf(run, config)),
    };
    return {
      config,
      ports,
      slots,
      store: this.store,
      log,
      now: Date.now,
      yieldAt: { time: started + INVOCATION_MS, subrequests: INVOCATION_SUBREQUESTS },
      loginBackoff: (until, reason) => {
        this.store.setFact("loginBackoffUntil", String(until));
        this.store.setFact("loginBackoffReason", reason);
      },
    };
  }
}

function view(run: RunRecord): RunSummaryView {
  const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    runId: run.runId,
    phase: run.phase,
    ...(run.error ? { error: run.error } : {}),
    createdAt: new Date(run.createdAt).toISOString(),
    ...(run.startedAt ? { startedAt: iso(run.startedAt) } : {}),
    ...(run.finishedAt ? { finishedAt: iso(run.finishedAt) } : {}),
    toolCalls: run.loop?.actions.length ?? 0,
    tokens: totalTokens(run.usage),
    costUsd: run.costUsd,
  };
}

function summaryOf(run: RunRecord, config: Config) {
  return {
    outcome: run.phase === "succeeded" ? ("succeeded" as const) : ("failed" as const),
    durationMs: (run.finishedAt ?? Date.now()) - (run.startedAt ?? run.createdAt),
    tools: (run.loop?.actions ?? []).map((action) => ({ toolName: action.toolName, result: action.result })),
    ratings: (run.rating?.feedback ?? []).map((row) => ({ module: row.module, rating: row.rating })),
    usage: run.usage,
    costUsd: costUsd(run.usage, priceFor(config.ANTHROPIC_MODEL)),
  };
}

/** A promise with its trigger: resolved once, then replaced, so each waiter sees the next event. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = () => {};
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

/** Up to ten minutes, stable per persona, so a queue of thousands does not wake in the same second. */
function spreadMs(userId: string): number {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 600_000;
}

export function personaStub(ns: DurableObjectNamespace<PersonaRunner>, userId: string): DurableObjectStub<PersonaRunner> {
  return ns.get(ns.idFromName(userId));
}
