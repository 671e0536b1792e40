/**
 * @module
 * One persona's Durable Object: takes dispatches, runs at most one run at a time inside alarm(), keeps its runs
 * and outbox in SQLite and tells the directory how it stands.
 */
import { DurableObject } from "cloudflare:workers";
import { totalTokens } from "../claude/usage";
import { type Config, loadConfig } from "../config";
import { coordinator } from "../coordinator/coordinator";
import type { PersonaSummary, RunView } from "../directory/summary";
import { createLogger, type Logger } from "../log";
import type { DuePersona } from "../mana/schemas";
import { decideDispatch, type DispatchDecision, nextEligibleAt } from "./eligibility";
import { buildPorts } from "./ports";
import { advanceRun, deliverDue, giveUp, MANUAL_RECHECK_MS, type RunDeps, type Slots } from "./run";
import { type RunHeader, RunStore, TERMINAL } from "./store";
import { replay, type Transcript } from "./transcript";

export interface DispatchRequest {
  persona: DuePersona;
  slot: string;
  manual?: boolean;
}

export type DispatchStatus = "error" | Extract<DispatchDecision, { start: false }>["status"];

export interface DispatchResult {
  /** `queued`: a run waits for the coordinator to grant it a slot (new, or handed back to the queue). */
  status: DispatchStatus;
  runId?: string;
  reason?: string;
  summary?: PersonaSummary;
}

export interface RunPhase {
  phase: RunHeader["phase"];
  attempts: number;
  error?: string;
  finishedAt?: number;
}

/** A run as the API and the run page show it: its header and its replayed transcript. */
export interface RunDetail extends RunHeader {
  transcript: Transcript;
}

/**
 * Where a run yields to a fresh invocation: well inside an alarm's 15 minutes of wall time, and a chosen margin
 * under the 1,000 subrequests the bench holds every invocation to (the Paid plan allows 10,000).
 */
const INVOCATION_MS = 12 * 60_000;
const INVOCATION_SUBREQUESTS = 800;
/** An alarm that fails outside every run's own accounting retries with this backoff, at most this often. */
const CRASH_BACKOFF_MS = 30_000;
const MAX_CRASHES = 5;
const CRASHED_RETRY_MS = 3_600_000;
const CRASHES = "crashes";

export class PersonaRunner extends DurableObject<Env> {
  private readonly store: RunStore;
  private alarmEnded = signal();
  /** The run the alarm under way advances: having finished it, the alarm still delivers its results. */
  private alarmRunId: string | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage.sql);
  }

  async dispatch(request: DispatchRequest): Promise<DispatchResult> {
    const { persona, slot } = request;
    const now = Date.now();
    this.store.setFact("persona", JSON.stringify(persona));
    const active = this.store.activeHeader();
    if (active && this.crashes() >= MAX_CRASHES) return { status: "error", reason: `run ${active.runId} is stuck: ${this.store.fact("crashReason")}` };
    const decision = decideDispatch({
      now,
      slot,
      manual: request.manual ?? false,
      cadence: persona.tickCadence,
      lastSlot: this.store.fact("lastSlot"),
      ...(active ? { activeRun: { runId: active.runId, queued: active.phase === "queued" } } : {}),
      lastFinishedAt: this.store.lastFinishedAt(),
      lastUnstartedFailureAt: this.store.lastUnstartedFailureAt(),
      loginBackoffUntil: Number(this.store.fact("loginBackoffUntil") ?? 0) || undefined,
      loginBackoffReason: this.store.fact("loginBackoffReason"),
      outboxPending: !active && this.store.hasPendingManaAuthDelivery(),
    });
    if (!decision.start) {
      // A run, or an undelivered batch, whose alarm was lost (its retries ran out) is re-armed by the next dispatch.
      const stranded = (active && active.phase !== "queued") || this.store.hasPendingManaAuthDelivery();
      if (stranded && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now);
      this.store.setFact("lastDispatch", JSON.stringify({ status: decision.status, reason: decision.reason, at: new Date(now).toISOString() }));
      return { status: decision.status, reason: decision.reason, ...(active ? { runId: active.runId } : {}), summary: this.summary() };
    }
    const runId = `${slot}-${persona.userId}`;
    this.store.setFact("lastSlot", slot);
    this.store.deleteFact("lastDispatch");
    this.store.deleteFact(CRASHES);
    const { userId, email, archetype, tickCadence } = persona;
    this.store.saveHeader({
      runId,
      tickId: runId,
      slot,
      manual: request.manual ?? false,
      persona: { userId, email, archetype, tickCadence },
      phase: "queued",
      attempts: 0,
      createdAt: now,
      usage: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
      costUsd: 0,
      error: "waiting: queued for a slot",
    });
    if (request.manual) await this.alarmNoLaterThan(now + MANUAL_RECHECK_MS);
    return { status: "queued", runId, summary: this.summary() };
  }

  override async alarm(): Promise<void> {
    let log = createLogger();
    let run: RunHeader | undefined;
    let alarmAt: number | undefined;
    try {
      run = this.store.activeHeader();
      this.alarmRunId = run?.runId;
      log = createLogger(run ? { tickId: run.tickId, persona: run.persona.email, runId: run.runId } : { persona: this.knownPersona()?.email });
      const deps = this.deps(loadConfig(this.env), log);
      await deliverDue(undefined, this.knownPersona()?.userId ?? run?.persona.userId ?? "", deps);
      const next = run ? await advanceRun(run, deps) : {};
      alarmAt = earliest(next.alarmAt, this.store.nextPendingAt());
      this.store.deleteFact(CRASHES);
    } catch (error) {
      alarmAt = await this.crashed(error, run, log);
    }
    // Set late on purpose: an alarm set early would suppress the platform's retry of a crashed handler.
    // An earlier alarm set meanwhile (a wake() while this invocation waited for a slot) wins.
    if (alarmAt !== undefined) await this.alarmNoLaterThan(alarmAt);
    this.alarmRunId = undefined;
    this.alarmEnded.fire();
    this.alarmEnded = signal();
  }

  private async alarmNoLaterThan(at: number): Promise<void> {
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || at < armed) await this.ctx.storage.setAlarm(at);
  }

  /** The coordinator granted this persona's waiting run a slot: run it now. */
  async wake(): Promise<void> {
    if (this.store.activeHeader()) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * Where a run stands, once it has settled, moved on from `known` (another phase or attempt), or after `waitMs`,
   * whichever is first (an error counts as moving on). /diag/tick waits on this for the runs it queued; answering at each alarm's end instead of
   * being polled keeps the waiting off the CPU the runs need. A run has settled once the alarm that finished it has
   * ended, so its evidence and summary have been offered to the findings and the directory by then.
   */
  async runPhase(runId: string, waitMs = 0, known?: Pick<RunPhase, "phase" | "attempts" | "error">): Promise<RunPhase | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const run = this.store.header(runId);
      const moved = run !== undefined && known !== undefined && (run.phase !== known.phase || run.attempts !== known.attempts || run.error !== known.error);
      const settled = run !== undefined && TERMINAL.has(run.phase) && this.alarmRunId !== runId;
      if (!run || moved || settled || Date.now() >= deadline) {
        return run && { phase: run.phase, attempts: run.attempts, ...(run.error ? { error: run.error } : {}), ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}) };
      }
      let timer: ReturnType<typeof setTimeout> | null = null;
      await Promise.race([this.alarmEnded.promise, new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now())))]);
      clearTimeout(timer);
    }
  }

  /** The persona as the directory lists it. */
  summary(): PersonaSummary {
    const persona = this.knownPersona();
    const recent = this.store.recentHeaders(200);
    const active = recent.find((run) => !TERMINAL.has(run.phase));
    const last = recent.find((run) => TERMINAL.has(run.phase));
    const now = Date.now();
    const today = new Date(now).toISOString().slice(0, 10);
    const todays = recent.filter((run) => new Date(run.createdAt).toISOString().startsWith(today));
    const backoff = Number(this.store.fact("loginBackoffUntil") ?? 0);
    const finishedAt = this.store.lastFinishedAt();
    const unstartedFailureAt = this.store.lastUnstartedFailureAt();
    const lastDispatch = this.store.fact("lastDispatch");
    const ref = persona ?? active?.persona ?? last?.persona;
    return {
      userId: ref?.userId ?? "",
      email: ref?.email ?? "",
      archetype: ref?.archetype ?? "",
      tickCadence: ref?.tickCadence ?? "daily",
      ...(active ? { activeRun: view(active) } : {}),
      ...(last ? { lastRun: view(last) } : {}),
      ...(ref && (finishedAt ?? unstartedFailureAt) !== undefined
        ? { nextEligibleAt: new Date(nextEligibleAt(ref.tickCadence, finishedAt, unstartedFailureAt)).toISOString() }
        : {}),
      ...(backoff > now ? { loginBackoffUntil: new Date(backoff).toISOString(), loginBackoffReason: this.store.fact("loginBackoffReason") } : {}),
      ...(lastDispatch ? { lastDispatch: JSON.parse(lastDispatch) as PersonaSummary["lastDispatch"] } : {}),
      day: today,
      tokensToday: todays.reduce((sum, run) => sum + totalTokens(run.usage), 0),
      costTodayUsd: todays.reduce((sum, run) => sum + run.costUsd, 0),
      updatedAt: now,
    };
  }

  knownPersona(): DuePersona | undefined {
    const persona = this.store.fact("persona");
    return persona ? (JSON.parse(persona) as DuePersona) : undefined;
  }

  runs(limit = 50): RunView[] {
    return this.store.recentHeaders(limit).map(view);
  }

  run(runId: string): RunDetail | undefined {
    const header = this.store.header(runId);
    return header && { ...header, transcript: replay(this.store.steps(runId)) };
  }

  /**
   * One crash more of this object's alarm: backed off, and after MAX_CRASHES the run is given up the normal way
   * (what it did still goes to mana-auth) or, if even that fails, marked failed with the reason. Undelivered
   * entries are then retried hourly, until they are delivered or parked after their week.
   */
  private async crashed(error: unknown, run: RunHeader | undefined, log: Logger): Promise<number | undefined> {
    const crashes = this.crashes() + 1;
    const reason = error instanceof Error ? error.message : String(error);
    log.error("alarm_failed", { error, crashes });
    try {
      this.store.setFact(CRASHES, String(crashes));
      this.store.setFact("crashReason", reason.slice(0, 500));
      if (crashes < MAX_CRASHES) return Date.now() + CRASH_BACKOFF_MS * 2 ** (crashes - 1);
      if (run) await this.abandon(run, `internal error after ${crashes} tries: ${reason.slice(0, 300)}`, log);
      const pending = this.store.nextPendingAt();
      return pending === undefined ? undefined : Math.max(pending, Date.now() + CRASHED_RETRY_MS);
    } catch (storageError) {
      log.error("alarm_failed_to_record", { error: storageError });
      return undefined;
    }
  }

  private async abandon(run: RunHeader, reason: string, log: Logger): Promise<void> {
    try {
      await giveUp(run, this.deps(loadConfig(this.env), log), reason);
    } catch (error) {
      log.error("give_up_failed", { error });
      this.store.saveHeader({ ...run, phase: "failed", finishedAt: Date.now(), error: reason });
    }
  }

  private crashes(): number {
    return Number(this.store.fact(CRASHES) ?? 0);
  }

  private deps(config: Config, log: Logger): RunDeps {
    const hub = coordinator(this.env.COORDINATOR);
    const ports = buildPorts(this.env, config);
    const started = Date.now();
    // The slot is the run's that acquired it, even when the run has finished by the time it is released.
    let held = "";
    const slots: Slots = {
      acquire: async (fresh) => {
        const run = this.store.activeHeader();
        held = run?.runId ?? "";
        return hub.acquire({ runId: held, userId: run?.persona.userId ?? "", fresh });
      },
      release: async () => hub.release(held),
      coolDown: (until) => hub.coolDown(until),
      spend: (tokens, cost) => hub.spend(tokens, cost),
    };
    return {
      config,
      ports,
      slots,
      store: this.store,
      log,
      now: Date.now,
      persona: () => this.knownPersona() as DuePersona,
      summary: () => this.summary(),
      yieldAt: { time: started + INVOCATION_MS, subrequests: INVOCATION_SUBREQUESTS },
      loginBackoff: (until, reason) => {
        this.store.setFact("loginBackoffUntil", String(until));
        this.store.setFact("loginBackoffReason", reason);
      },
    };
  }
}

function view(run: RunHeader): RunView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    runId: run.runId,
    phase: run.phase,
    ...(run.error ? { error: run.error } : {}),
    createdAt: iso(run.createdAt),
    ...(run.startedAt ? { startedAt: iso(run.startedAt) } : {}),
    ...(run.finishedAt ? { finishedAt: iso(run.finishedAt) } : {}),
    toolCalls: run.totals?.toolCalls ?? 0,
    tokens: totalTokens(run.usage),
    costUsd: run.costUsd,
  };
}

function earliest(...times: (number | undefined)[]): number | undefined {
  const set = times.filter((time): time is number => time !== undefined);
  return set.length > 0 ? Math.min(...set) : undefined;
}

/** A promise with its trigger: resolved once, then replaced, so each waiter sees the next event. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = () => {};
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}
