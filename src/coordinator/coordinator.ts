import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { personaStub } from "../persona/runner";
import type { Sample } from "./metrics";
import { type RunSummary, samplesOf } from "./metrics";

export type SlotDecision =
  | { granted: true }
  | { granted: false; reason: "paused" | "budget" | "cooldown" | "concurrency"; retryAt: number; detail: string };

export interface AcquireRequest {
  runId: string;
  persona: string;
  userId: string;
  /** A run that has not started yet; only those are held back by pause and budget, runs in flight finish. */
  fresh: boolean;
  concurrency: number;
  dailyTokenBudget: number;
  envPaused: boolean;
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
  tokensToday: number;
  costTodayUsd: number;
  day: string;
  lastTick?: TickSummary;
}

/** A slot lease outlives any alarm invocation (15 min), so a crashed run cannot hold a slot forever. */
const SLOT_LEASE_MS = 16 * 60_000;
/** Waiters are woken when a slot frees; this later retry only covers a wake-up that got lost. */
const CONCURRENCY_RETRY_MS = 60_000;

/**
 * The single coordinating object: global concurrency slots, the shared Claude cooldown, the daily token
 * budget, the runtime pause switch, the last tick and the counters behind /metrics.
 */
export class Coordinator extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS slots (run_id TEXT PRIMARY KEY, persona TEXT, expires_at INTEGER);
      CREATE TABLE IF NOT EXISTS waiters (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT);
      CREATE TABLE IF NOT EXISTS ratings (day TEXT, module TEXT, sum REAL, count INTEGER, PRIMARY KEY (day, module));
      CREATE TABLE IF NOT EXISTS personas (user_id TEXT PRIMARY KEY, email TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS samples (name TEXT, labels TEXT, value REAL, PRIMARY KEY (name, labels));`);
  }

  acquire(request: AcquireRequest): SlotDecision {
    const now = Date.now();
    if (request.fresh && (request.envPaused || this.get("paused") === "true")) {
      return { granted: false, reason: "paused", retryAt: now + 60_000, detail: "runner is paused" };
    }
    if (request.fresh) {
      const { tokens } = this.today();
      if (tokens >= request.dailyTokenBudget) {
        return { granted: false, reason: "budget", retryAt: nextUtcMidnight(now), detail: `daily token budget ${request.dailyTokenBudget} spent (${tokens} used today)` };
      }
    }
    const cooldownUntil = Number(this.get("cooldownUntil") ?? 0);
    if (cooldownUntil > now) {
      return { granted: false, reason: "cooldown", retryAt: cooldownUntil, detail: "Claude rate-limit cooldown" };
    }
    this.sql.exec("DELETE FROM slots WHERE expires_at <= ?", now);
    const held = this.sql.exec("SELECT 1 FROM slots WHERE run_id = ?", request.runId).toArray().length > 0;
    const inUse = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM slots").one().n;
    if (!held && inUse >= request.concurrency) {
      this.sql.exec("INSERT OR IGNORE INTO waiters VALUES (?, ?)", request.userId, now);
      return { granted: false, reason: "concurrency", retryAt: now + CONCURRENCY_RETRY_MS, detail: `${inUse} runs in flight` };
    }
    this.sql.exec("INSERT OR REPLACE INTO slots VALUES (?, ?, ?)", request.runId, request.persona, now + SLOT_LEASE_MS);
    this.sql.exec("DELETE FROM waiters WHERE user_id = ?", request.userId);
    return { granted: true };
  }

  /** Frees the run's slot and wakes the persona that has waited longest for one. */
  release(runId: string): void {
    this.sql.exec("DELETE FROM slots WHERE run_id = ?", runId);
    const next = this.sql.exec<{ user_id: string }>("SELECT user_id FROM waiters ORDER BY since LIMIT 1").toArray()[0];
    if (!next) return;
    this.sql.exec("DELETE FROM waiters WHERE user_id = ?", next.user_id);
    this.ctx.waitUntil(personaStub(this.env.PERSONA, next.user_id).wake().catch(() => undefined));
  }

  /** A 429 from Claude holds every persona back, not just the one that saw it. */
  coolDown(untilMs: number): void {
    if (untilMs > Number(this.get("cooldownUntil") ?? 0)) this.set("cooldownUntil", String(untilMs));
  }

  setPaused(paused: boolean): void {
    this.set("paused", String(paused));
  }

  /** Tokens count against today's budget as they are spent, so a long run cannot hide its usage. */
  spend(tokens: number, costUsd: number): void {
    const { day, tokens: used, cost } = this.today();
    this.set("budget", JSON.stringify({ day, tokens: used + tokens, cost: cost + costUsd }));
  }

  recordRun(run: RunSummary): void {
    this.add(samplesOf(run));
    const day = new Date().toISOString().slice(0, 10);
    for (const { module, rating } of run.ratings) {
      this.sql.exec(
        "INSERT INTO ratings VALUES (?, ?, ?, 1) ON CONFLICT (day, module) DO UPDATE SET sum = sum + excluded.sum, count = count + 1",
        day,
        module,
        rating,
      );
    }
  }

  /** Average rating per module and UTC day, oldest first, for the status page's chart. */
  ratingHistory(days: number): { day: string; module: string; average: number; count: number }[] {
    return this.sql
      .exec<{ day: string; module: string; sum: number; count: number }>(
        "SELECT day, module, sum, count FROM ratings WHERE day >= ? ORDER BY day, module",
        new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10),
      )
      .toArray()
      .map((row) => ({ day: row.day, module: row.module, average: row.sum / row.count, count: row.count }));
  }

  recordTick(tick: TickSummary): void {
    this.set("lastTick", JSON.stringify(tick));
    const samples: Sample[] = [{ name: "persona_ticks_total", labels: { result: tick.error ? "error" : "ok" }, value: 1 }];
    for (const [status, count] of Object.entries(tick.dispatched)) {
      samples.push({ name: "persona_dispatch_total", labels: { status }, value: count });
    }
    if (tick.invalid.length > 0) samples.push({ name: "persona_dispatch_total", labels: { status: "invalid" }, value: tick.invalid.length });
    this.add(samples);
  }

  /** Personas seen in any due list, so /personas can list them between their runs. */
  rememberPersonas(personas: { userId: string; email: string }[]): void {
    for (const persona of personas) this.sql.exec("INSERT OR REPLACE INTO personas VALUES (?, ?)", persona.userId, persona.email);
  }

  personas(): { userId: string; email: string }[] {
    return this.sql
      .exec<{ user_id: string; email: string }>("SELECT user_id, email FROM personas ORDER BY email")
      .toArray()
      .map((row) => ({ userId: row.user_id, email: row.email }));
  }

  status(): CoordinatorStatus {
    const { day, tokens, cost } = this.today();
    const lastTick = this.get("lastTick");
    return {
      paused: this.get("paused") === "true",
      cooldownUntil: Number(this.get("cooldownUntil") ?? 0),
      slotsInUse: this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM slots WHERE expires_at > ?", Date.now()).one().n,
      tokensToday: tokens,
      costTodayUsd: cost,
      day,
      ...(lastTick ? { lastTick: JSON.parse(lastTick) as TickSummary } : {}),
    };
  }

  samples(): Sample[] {
    return this.sql
      .exec<{ name: string; labels: string; value: number }>("SELECT name, labels, value FROM samples ORDER BY rowid")
      .toArray()
      .map((row) => ({ name: row.name, labels: JSON.parse(row.labels) as Record<string, string>, value: row.value }));
  }

  private add(samples: Sample[]): void {
    for (const sample of samples) {
      this.sql.exec(
        "INSERT INTO samples VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
        sample.name,
        JSON.stringify(sample.labels),
        sample.value,
      );
    }
  }

  private today(): { day: string; tokens: number; cost: number } {
    const day = new Date().toISOString().slice(0, 10);
    const stored = JSON.parse(this.get("budget") ?? "{}") as { day?: string; tokens?: number; cost?: number };
    return stored.day === day ? { day, tokens: stored.tokens ?? 0, cost: stored.cost ?? 0 } : { day, tokens: 0, cost: 0 };
  }

  private get(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray()[0]?.value;
  }

  private set(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO kv VALUES (?, ?)", key, value);
  }
}

export function nextUtcMidnight(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
}

export function coordinator(ns: DurableObjectNamespace<Coordinator>): DurableObjectStub<Coordinator> {
  return ns.get(ns.idFromName("coordinator"));
}
