/**
 * @module
 * The single coordinating object every run asks before it talks to Claude: concurrency slots, the queue of runs
 * waiting for one (woken oldest-due first when a slot frees, never polling), the shared Claude cooldown, the
 * daily budget in dollars and tokens, the pause switch and the last tick.
 */
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../config";
import { createLogger } from "../log";
import { wakePersona } from "../persona/wake";
import { type Sample, SampleStore } from "../metrics";
import { wakeAllowance } from "./ramp";

export type SlotDecision =
  | { granted: true }
  | { granted: false; reason: "paused" | "budget" | "cooldown" | "concurrency"; detail: string };

export interface AcquireRequest {
  runId: string;
  userId: string;
  /** A run that has not started yet: only those wait for pause and budget, and for their turn in the queue. */
  fresh: boolean;
}

/** A run waiting for a slot; `dueAt` orders the queue (when the persona became due; lower goes first). */
export interface QueueEntry {
  userId: string;
  runId: string;
  dueAt: number;
}

export interface TickSummary {
  tickId: string;
  at: string;
  due: number;
  dispatched: Record<string, number>;
  invalid: { index: number; userId?: string; error: string }[];
  error?: string;
}

export interface CoordinatorStatus {
  paused: boolean;
  cooldownUntil: number;
  slotsInUse: number;
  queued: number;
  day: string;
  tokensToday: number;
  costTodayUsd: number;
  /** Why no new run may start today, while the budget is spent. */
  budgetSpent?: string;
  lastTick?: TickSummary;
}

export interface LiveState {
  userId: string;
  state: "running" | "starting" | "queued";
  /** 1 for the next run to start. */
  position?: number;
  /** What holds a queued run back beyond its turn (budget, cooldown). */
  detail?: string;
}

/** A granted slot outlives any alarm invocation (15 min), so a crashed run cannot hold it forever. */
const SLOT_LEASE_MS = 16 * 60_000;
/** A woken persona has this long to claim its slot before the slot goes back to the queue. */
const WAKE_LEASE_MS = 2 * 60_000;

export class Coordinator extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly counters: SampleStore;
  /** Requests and rows written since this instance started: the cost of waiting, as the bench measures it. */
  #requests: Record<string, number> = {};
  #rowsWritten = 0;
  #wakes: number[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS slots (run_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
        reserved INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS queue (user_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, fresh INTEGER NOT NULL, due_at INTEGER NOT NULL,
        enqueued_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS queue_order ON queue (fresh, due_at, enqueued_at);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT);`);
    this.counters = new SampleStore(this.sql);
    this.#migrate();
  }

  /** Granted when the run holds a slot (it was woken) or, for a run in flight, when one is free; else queued. */
  acquire(request: AcquireRequest): SlotDecision {
    this.#count("acquire");
    const now = Date.now();
    this.#sweep(now);
    if (this.#claim(request, now)) return { granted: true };
    const config = loadConfig(this.env);
    if (request.fresh && this.#paused()) return { granted: false, reason: "paused", detail: "runner is paused" };
    const blocked = this.#blocked(now, request.fresh);
    if (!blocked && !request.fresh && this.#slotsInUse() < config.PERSONA_CONCURRENCY) {
      this.#exec("INSERT OR REPLACE INTO slots (run_id, user_id, expires_at, reserved) VALUES (?, ?, ?, 0)", request.runId, request.userId, now + SLOT_LEASE_MS);
      this.#exec("DELETE FROM queue WHERE user_id = ?", request.userId);
      return { granted: true };
    }
    // A fresh run takes its turn in the queue even when a slot is free, so it never jumps the line; if its turn
    // is now, it takes the slot in this answer instead of being woken for it.
    this.#insertQueued({ userId: request.userId, runId: request.runId, dueAt: request.fresh ? now : 0 }, request.fresh, now);
    this.#fill(now, request.userId);
    if (this.#claim(request, now)) return { granted: true };
    return { granted: false, ...(blocked ?? { reason: "concurrency" as const, detail: this.#queueDetail(request.userId) }) };
  }

  /** Queues runs the tick or an operator dispatched; those a free slot allows are woken at once. */
  enqueue(entries: QueueEntry[]): { held?: string } {
    this.#count("enqueue");
    const now = Date.now();
    for (const entry of entries) this.#insertQueued(entry, true, now);
    this.#fill(now);
    const blocked = this.#paused() ? "runner is paused" : this.#budgetSpent(now);
    return blocked ? { held: blocked } : {};
  }

  /** Frees the run's slot and wakes the next waiting run. */
  release(runId: string): void {
    this.#count("release");
    this.#exec("DELETE FROM slots WHERE run_id = ?", runId);
    this.#fill(Date.now());
  }

  /**
   * The cron's heartbeat: expired leases return to the queue, waiting runs start if they may (after a budget
   * reset or a cooldown), and the tick learns in one answer who is already waiting or running.
   */
  tickInfo(): { paused: boolean; waiting: string[] } {
    this.#count("tickInfo");
    this.#fill(Date.now());
    const waiting = this.sql
      .exec<{ user_id: string }>("SELECT user_id FROM queue UNION SELECT user_id FROM slots")
      .toArray()
      .map((row) => row.user_id);
    return { paused: this.#paused(), waiting };
  }

  /** Where these personas stand right now: running, starting (woken) or queued with their position. */
  states(userIds: string[]): LiveState[] {
    this.#count("states");
    const states: LiveState[] = [];
    for (const userId of userIds) {
      const slot = this.sql.exec<{ reserved: number }>("SELECT reserved FROM slots WHERE user_id = ?", userId).toArray()[0];
      if (slot) {
        states.push({ userId, state: slot.reserved ? "starting" : "running" });
        continue;
      }
      const queued = this.#position(userId);
      const blocked = this.#blocked(Date.now(), true);
      if (queued) states.push({ userId, state: "queued", position: queued, ...(blocked ? { detail: blocked.detail } : {}) });
    }
    return states;
  }

  /** A 429 from Claude holds every persona back, not just the one that saw it. */
  coolDown(untilMs: number): void {
    this.#count("coolDown");
    if (untilMs <= Number(this.#get("cooldownUntil") ?? 0)) return;
    this.#set("cooldownUntil", String(untilMs));
    this.ctx.waitUntil(this.ctx.storage.setAlarm(untilMs));
  }

  setPaused(paused: boolean): void {
    this.#count("setPaused");
    this.#set("paused", String(paused));
    if (!paused) this.#fill(Date.now());
  }

  /** Spending counts against today's budget as it happens, so a long run cannot hide its cost. */
  spend(tokens: number, costUsd: number): void {
    this.#count("spend");
    const { day, tokens: used, cost } = this.#today(Date.now());
    this.#set("budget", JSON.stringify({ day, tokens: used + tokens, cost: cost + costUsd }));
  }

  recordTick(tick: TickSummary): void {
    this.#count("recordTick");
    this.#set("lastTick", JSON.stringify(tick));
    const samples: Sample[] = [{ name: "persona_ticks_total", labels: { result: tick.error ? "error" : "ok" }, value: 1 }];
    for (const [status, count] of Object.entries(tick.dispatched)) samples.push({ name: "persona_dispatch_total", labels: { status }, value: count });
    if (tick.invalid.length > 0) samples.push({ name: "persona_dispatch_total", labels: { status: "invalid" }, value: tick.invalid.length });
    this.#rowsWritten += this.counters.add(samples);
  }

  status(): CoordinatorStatus {
    this.#count("status");
    return this.#status();
  }

  #status(): CoordinatorStatus {
    const now = Date.now();
    const { day, tokens, cost } = this.#today(now);
    const lastTick = this.#get("lastTick");
    const spent = this.#budgetSpent(now);
    return {
      paused: this.#paused(),
      cooldownUntil: Number(this.#get("cooldownUntil") ?? 0),
      slotsInUse: this.#slotsInUse(),
      queued: this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM queue").one().n,
      day,
      tokensToday: tokens,
      costTodayUsd: cost,
      ...(spent ? { budgetSpent: spent } : {}),
      ...(lastTick ? { lastTick: JSON.parse(lastTick) as TickSummary } : {}),
    };
  }

  /** Tick counters, the queue and budget gauges, and this object's own load. */
  samples(): Sample[] {
    this.#count("samples");
    const config = loadConfig(this.env);
    const status = this.#status();
    return [
      ...this.counters.all(),
      { name: "persona_queue_depth", labels: {}, value: status.queued },
      { name: "persona_slots_in_use", labels: {}, value: status.slotsInUse },
      { name: "persona_budget_remaining_usd", labels: {}, value: Math.max(0, config.DAILY_BUDGET_USD - status.costTodayUsd) },
      ...(config.DAILY_TOKEN_BUDGET ? [{ name: "persona_budget_remaining_tokens", labels: {}, value: Math.max(0, config.DAILY_TOKEN_BUDGET - status.tokensToday) }] : []),
      { name: "persona_paused", labels: {}, value: status.paused ? 1 : 0 },
      ...Object.entries(this.#requests).map(([method, value]) => ({ name: "persona_coordinator_requests_total", labels: { method }, value })),
      { name: "persona_coordinator_rows_written_total", labels: {}, value: this.#rowsWritten },
    ];
  }

  /** Continues a wake-up ramp, and ends a cooldown on time. */
  override async alarm(): Promise<void> {
    this.#count("alarm");
    this.#fill(Date.now());
  }

  /**
   * Starts as many queued runs as free slots, pause, budget, cooldown and the wake-up ramp allow. The run
   * `asking` (in acquire) gets its slot reserved but no wake-up: it claims the slot in the same answer.
   */
  #fill(now: number, asking?: string): void {
    this.#sweep(now);
    const config = loadConfig(this.env);
    const free = config.PERSONA_CONCURRENCY - this.#slotsInUse();
    if (free <= 0 || this.#cooldownUntil() > now) return;
    const { allowed, recent } = wakeAllowance(now, this.#wakes, free, config.QUEUE_WAKES_PER_SECOND);
    this.#wakes = recent;
    const freshMayStart = !this.#paused() && !this.#budgetSpent(now);
    const next = this.sql
      .exec<{ user_id: string; run_id: string }>(
        "SELECT user_id, run_id FROM queue WHERE fresh = 0 OR ? ORDER BY fresh, due_at, enqueued_at LIMIT ?",
        freshMayStart ? 1 : 0,
        Math.max(allowed, 1),
      )
      .toArray();
    if (next.length === 0) return;
    if (allowed <= 0) {
      this.ctx.waitUntil(this.ctx.storage.setAlarm(now + 1_000));
      return;
    }
    const log = createLogger();
    for (const { user_id: userId, run_id: runId } of next) {
      this.#exec("DELETE FROM queue WHERE user_id = ?", userId);
      // A run that holds a slot already (granted directly since it was queued) leaves its stale entry behind.
      const reserved = this.#exec(
        "INSERT INTO slots (run_id, user_id, expires_at, reserved) VALUES (?, ?, ?, 1) ON CONFLICT (run_id) DO NOTHING RETURNING run_id",
        runId,
        userId,
        now + WAKE_LEASE_MS,
      );
      if (reserved.length === 0 || userId === asking) continue;
      this.#wakes.push(now);
      // A lost wake-up costs nothing lasting: the lease expires, and the next tick queues the run again.
      this.ctx.waitUntil(wakePersona(this.env, userId).catch((error: unknown) => log.warn("wake_failed", { userId, error })));
    }
    if (next.length === allowed && allowed < free) this.ctx.waitUntil(this.ctx.storage.setAlarm(now + 1_000));
  }

  /** Turns a slot the run holds (granted earlier, or reserved by a wake-up) into a fresh lease. */
  #claim(request: AcquireRequest, now: number): boolean {
    const held = this.#exec("UPDATE slots SET expires_at = ?, reserved = 0 WHERE run_id = ? RETURNING run_id", now + SLOT_LEASE_MS, request.runId);
    if (held.length === 0) return false;
    this.#exec("DELETE FROM queue WHERE user_id = ?", request.userId);
    return true;
  }

  #insertQueued(entry: QueueEntry, fresh: boolean, now: number): void {
    this.#exec(
      `INSERT INTO queue (user_id, run_id, fresh, due_at, enqueued_at) SELECT ?, ?, ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM slots WHERE user_id = ?)
       ON CONFLICT (user_id) DO UPDATE SET
         fresh = CASE WHEN run_id = excluded.run_id THEN MIN(fresh, excluded.fresh) ELSE excluded.fresh END,
         due_at = CASE WHEN run_id = excluded.run_id THEN due_at ELSE excluded.due_at END,
         enqueued_at = CASE WHEN run_id = excluded.run_id THEN enqueued_at ELSE excluded.enqueued_at END,
         run_id = excluded.run_id
       WHERE run_id != excluded.run_id OR fresh > excluded.fresh`,
      entry.userId,
      entry.runId,
      fresh ? 1 : 0,
      entry.dueAt,
      now,
      entry.userId,
    );
  }

  /** Leases whose run never claimed or released them end; their personas are queued again by the next tick. */
  #sweep(now: number): void {
    this.#exec("DELETE FROM slots WHERE expires_at <= ?", now);
  }

  #blocked(now: number, fresh: boolean): { reason: "cooldown" | "budget"; detail: string } | undefined {
    const cooldownUntil = this.#cooldownUntil();
    if (cooldownUntil > now) return { reason: "cooldown", detail: `Claude rate-limit cooldown until ${new Date(cooldownUntil).toISOString()}` };
    const spent = fresh ? this.#budgetSpent(now) : undefined;
    return spent ? { reason: "budget", detail: spent } : undefined;
  }

  #budgetSpent(now: number): string | undefined {
    const config = loadConfig(this.env);
    const { tokens, cost } = this.#today(now);
    const reset = "starts after the budget resets at 00:00 UTC";
    if (cost >= config.DAILY_BUDGET_USD) return `daily budget $${config.DAILY_BUDGET_USD} spent ($${cost.toFixed(4)} today); ${reset}`;
    if (config.DAILY_TOKEN_BUDGET && tokens >= config.DAILY_TOKEN_BUDGET) {
      return `daily token budget ${config.DAILY_TOKEN_BUDGET} spent (${tokens} used today); ${reset}`;
    }
    return undefined;
  }

  #position(userId: string): number | undefined {
    const row = this.sql.exec<{ fresh: number; due_at: number; enqueued_at: number }>("SELECT fresh, due_at, enqueued_at FROM queue WHERE user_id = ?", userId).toArray()[0];
    if (!row) return undefined;
    const ahead = this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM queue WHERE fresh < ? OR (fresh = ? AND (due_at < ? OR (due_at = ? AND enqueued_at < ?)))`,
        row.fresh,
        row.fresh,
        row.due_at,
        row.due_at,
        row.enqueued_at,
      )
      .one().n;
    return ahead + 1;
  }

  #queueDetail(userId: string): string {
    return `queued at position ${this.#position(userId) ?? "?"} for one of ${loadConfig(this.env).PERSONA_CONCURRENCY} slots`;
  }

  #paused(): boolean {
    return loadConfig(this.env).RUNNER_PAUSED || this.#get("paused") === "true";
  }

  #cooldownUntil(): number {
    return Number(this.#get("cooldownUntil") ?? 0);
  }

  #slotsInUse(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM slots").one().n;
  }

  #today(now: number): { day: string; tokens: number; cost: number } {
    const day = new Date(now).toISOString().slice(0, 10);
    const stored = JSON.parse(this.#get("budget") ?? "{}") as { day?: string; tokens?: number; cost?: number };
    return stored.day === day ? { day, tokens: stored.tokens ?? 0, cost: stored.cost ?? 0 } : { day, tokens: 0, cost: 0 };
  }

  #get(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray()[0]?.value;
  }

  #set(key: string, value: string): void {
    this.#exec("INSERT OR REPLACE INTO kv VALUES (?, ?)", key, value);
  }

  #exec(query: string, ...bindings: (string | number)[]): Record<string, SqlStorageValue>[] {
    const cursor = this.sql.exec(query, ...bindings);
    const rows = cursor.toArray();
    this.#rowsWritten += cursor.rowsWritten;
    return rows;
  }

  #count(method: string): void {
    this.#requests[method] = (this.#requests[method] ?? 0) + 1;
  }

  /** The first version kept `waiters`, `personas` and `ratings` here; they moved to the queue and read side. */
  #migrate(): void {
    this.sql.exec(`DROP TABLE IF EXISTS waiters; DROP TABLE IF EXISTS personas; DROP TABLE IF EXISTS ratings;
      DELETE FROM samples WHERE name NOT IN ('persona_ticks_total', 'persona_dispatch_total');`);
    try {
      this.sql.exec("ALTER TABLE slots ADD COLUMN user_id TEXT NOT NULL DEFAULT ''");
      this.sql.exec("ALTER TABLE slots ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0");
    } catch (error) {
      if (!/duplicate column/i.test(String(error))) throw error;
    }
  }
}

export function coordinator(ns: DurableObjectNamespace<Coordinator>): DurableObjectStub<Coordinator> {
  return ns.get(ns.idFromName("coordinator"));
}
