/**
 * @module
 * The persona object's SQLite: small run headers, the runs' steps appended one row each (never a growing
 * document rewritten), the outbox, and a few facts. Every write is held to the platform's row limit.
 */
import { INTERRUPTED } from "../claude/loop";
import { storedUsage, type Usage } from "../claude/usage";
import type { Cadence } from "../mana/schemas";
import type { RunStep } from "./transcript";

export type Phase = "queued" | "main" | "verifying" | "rating" | "delivering" | "succeeded" | "failed";
export const TERMINAL: ReadonlySet<Phase> = new Set(["succeeded", "failed"]);

/** Who a run plays; the prompt itself is stored once, in the run's start step. */
export interface PersonaRef {
  userId: string;
  email: string;
  archetype: string;
  tickCadence: Cadence;
}

/** Counts for list views, set when the run's results are final. */
export interface RunTotals {
  toolCalls: number;
  toolErrors: number;
  verified: number;
  notVisible: number;
  ratings: number;
}

/** A run's small, rewritable part: where it stands and what it has cost. Its transcript is its steps. */
export interface RunHeader {
  runId: string;
  tickId: string;
  slot: string;
  manual: boolean;
  persona: PersonaRef;
  phase: Phase;
  attempts: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Why the run failed, or what it is waiting for. */
  error?: string;
  failure?: string;
  /** Gave up before the main turn began; `setupStage` says where (login, space, mcp). */
  failedBeforeStart?: boolean;
  setupStage?: string;
  /** Usage charged to the day's budget so far (model answers are stored first, then charged). */
  usage: Usage;
  costUsd: number;
  spaceId?: string;
  totals?: RunTotals;
}

export type OutboxKind = "actions" | "feedback" | "evidence" | "summary";
export type OutboxStatus = "pending" | "delivered" | "dead" | "gone";
/** What mana-auth must have before the persona runs again; the rest is the runner's own bookkeeping. */
export const MANA_AUTH_KINDS: ReadonlySet<OutboxKind> = new Set(["actions", "feedback"]);

export interface OutboxEntry {
  runId: string;
  kind: OutboxKind;
  body: unknown;
  status: OutboxStatus;
  attempts: number;
  nextAt: number;
  createdAt: number;
  lastError?: string;
}

/** Durable Object SQLite refuses a string, BLOB or row over 2 MB; local workerd does not, so this store does. */
export const MAX_ROW_BYTES = 2_000_000;

export class StorageLimitError extends Error {
  override name = "StorageLimitError";
}

type Value = string | number | null;

type OutboxRow = {
  run_id: string;
  kind: string;
  body: string;
  status: string;
  attempts: number;
  next_at: number;
  created_at: number | null;
  last_error: string | null;
};

const SCHEMA = `CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, phase TEXT NOT NULL, created_at INTEGER NOT NULL,
    finished_at INTEGER, doc TEXT NOT NULL, started_at INTEGER, unstarted_failure INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at);
  CREATE TABLE IF NOT EXISTS steps (run_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (run_id, seq));
  CREATE TABLE IF NOT EXISTS outbox (run_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER, PRIMARY KEY (run_id, kind));
  CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);`;

/**
 * The store is the only writer of its object's database, so it keeps two things in memory instead of asking
 * SQLite each time: the facts (read on every dispatch and alarm) and the next step number of the run it appends to.
 */
export class RunStore {
  #written = 0;
  #facts: Map<string, string> | undefined;
  #nextStep: { runId: string; seq: number } | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly maxRowBytes = MAX_ROW_BYTES,
  ) {
    // One read tells a new object (most objects a tick meets) from one the first version created.
    const runs = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'").toArray()[0];
    if (runs?.sql.includes("started_at")) return;
    sql.exec(SCHEMA);
    if (runs) this.#migrate();
  }

  /** Bytes handed to SQLite since this store was created (the bench's storage figure). */
  get bytesWritten(): number {
    return this.#written;
  }

  saveHeader(run: RunHeader): void {
    this.#write(
      `INSERT INTO runs (run_id, phase, created_at, finished_at, started_at, unstarted_failure, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET phase = excluded.phase, finished_at = excluded.finished_at, started_at = excluded.started_at,
         unstarted_failure = excluded.unstarted_failure, doc = excluded.doc`,
      run.runId,
      run.phase,
      run.createdAt,
      run.finishedAt ?? null,
      run.startedAt ?? null,
      run.failedBeforeStart ? 1 : 0,
      JSON.stringify(run),
    );
  }

  header(runId: string): RunHeader | undefined {
    const row = this.sql.exec<{ doc: string }>("SELECT doc FROM runs WHERE run_id = ?", runId).toArray()[0];
    return row ? parseHeader(row.doc) : undefined;
  }

  /** The unfinished run, if any; there is at most one by construction of dispatch. */
  activeHeader(): RunHeader | undefined {
    const row = this.sql
      .exec<{ doc: string }>("SELECT doc FROM runs WHERE phase NOT IN ('succeeded', 'failed') ORDER BY created_at LIMIT 1")
      .toArray()[0];
    return row ? parseHeader(row.doc) : undefined;
  }

  /** The newest run that has ended. */
  lastEndedHeader(): RunHeader | undefined {
    const row = this.sql
      .exec<{ doc: string }>("SELECT doc FROM runs WHERE phase IN ('succeeded', 'failed') ORDER BY created_at DESC LIMIT 1")
      .toArray()[0];
    return row ? parseHeader(row.doc) : undefined;
  }

  /** Runs created at or after `since`, newest first. */
  headersSince(since: number): RunHeader[] {
    return this.sql
      .exec<{ doc: string }>("SELECT doc FROM runs WHERE created_at >= ? ORDER BY created_at DESC", since)
      .toArray()
      .map((row) => parseHeader(row.doc));
  }

  recentHeaders(limit: number): RunHeader[] {
    return this.sql
      .exec<{ doc: string }>("SELECT doc FROM runs ORDER BY created_at DESC LIMIT ?", limit)
      .toArray()
      .map((row) => parseHeader(row.doc));
  }

  /** Appends a step; its sequence number is the next of this run, so replay order is write order. */
  appendStep(runId: string, step: RunStep): void {
    const seq = this.#nextStep?.runId === runId ? this.#nextStep.seq : this.#lastStep(runId) + 1;
    this.#write("INSERT INTO steps (run_id, seq, kind, body) VALUES (?, ?, ?, ?)", runId, seq, step.type, JSON.stringify(step));
    this.#nextStep = { runId, seq: seq + 1 };
  }

  #lastStep(runId: string): number {
    return this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM steps WHERE run_id = ?", runId).one().seq ?? 0;
  }

  /** The run's steps in order; reading them also tells where the next one goes. */
  steps(runId: string): RunStep[] {
    const rows = this.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM steps WHERE run_id = ? ORDER BY seq", runId).toArray();
    this.#nextStep = { runId, seq: (rows.at(-1)?.seq ?? 0) + 1 };
    return rows.map((row) => parseStep(row.body));
  }

  /** When the newest run that gave up before it started ended (not one dropped by a pause or never tried). */
  lastUnstartedFailureAt(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT MAX(finished_at) AS at FROM runs WHERE unstarted_failure = 1").one().at ?? undefined;
  }

  /** When the last run that actually started ended; a run that never started does not count toward cadence. */
  lastFinishedAt(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT MAX(finished_at) AS at FROM runs WHERE started_at IS NOT NULL").one().at ?? undefined;
  }

  /** Keeps the newest `keep` finished runs and their steps; a run with an undelivered outbox entry stays. */
  prune(keep: number): void {
    // Runs leave only through here, so with no more than `keep` of them there is nothing to delete.
    if (this.sql.exec<{ runs: number }>("SELECT COUNT(*) AS runs FROM runs").one().runs <= keep) return;
    const stale = `SELECT run_id FROM runs WHERE phase IN ('succeeded', 'failed') AND run_id NOT IN
        (SELECT run_id FROM runs ORDER BY created_at DESC LIMIT ?)
      AND run_id NOT IN (SELECT run_id FROM outbox WHERE status = 'pending')`;
    this.sql.exec(`DELETE FROM steps WHERE run_id IN (${stale})`, keep);
    this.sql.exec(`DELETE FROM runs WHERE run_id IN (${stale})`, keep);
    // Parked batches (dead, gone) outlive their run: they are the only copy of what was refused.
    this.sql.exec("DELETE FROM outbox WHERE status = 'delivered' AND run_id NOT IN (SELECT run_id FROM runs)");
  }

  enqueue(runId: string, kind: OutboxKind, body: unknown, now: number): void {
    // OR IGNORE: an entry, once written, is never rebuilt, so every resend is the identical request.
    this.#write(
      "INSERT OR IGNORE INTO outbox (run_id, kind, body, status, next_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
      runId,
      kind,
      JSON.stringify(body),
      now,
      now,
    );
  }

  outbox(runId: string): OutboxEntry[] {
    return this.#entries("SELECT * FROM outbox WHERE run_id = ? ORDER BY kind", runId);
  }

  /** Pending entries of any run that are due, oldest first. */
  dueEntries(now: number): OutboxEntry[] {
    return this.#entries("SELECT * FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY next_at", now).filter((entry) => entry.status === "pending");
  }

  nextPendingAt(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox WHERE status = 'pending'").one().at ?? undefined;
  }

  updateOutbox(entry: OutboxEntry): void {
    this.#write(
      "UPDATE outbox SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE run_id = ? AND kind = ?",
      entry.status,
      entry.attempts,
      entry.nextAt,
      entry.lastError ?? null,
      entry.runId,
      entry.kind,
    );
  }

  /** mana-auth still lacks a run's actions or feedback: the persona must not run again yet. */
  hasPendingManaAuthDelivery(): boolean {
    return this.sql.exec("SELECT 1 FROM outbox WHERE status = 'pending' AND kind IN ('actions', 'feedback') LIMIT 1").toArray().length > 0;
  }

  fact(key: string): string | undefined {
    return this.#knownFacts().get(key);
  }

  setFact(key: string, value: string): void {
    if (this.fact(key) === value) return;
    this.#write("INSERT OR REPLACE INTO facts VALUES (?, ?)", key, value);
    this.#knownFacts().set(key, value);
  }

  deleteFact(key: string): void {
    if (!this.#knownFacts().has(key)) return;
    this.sql.exec("DELETE FROM facts WHERE key = ?", key);
    this.#knownFacts().delete(key);
  }

  #knownFacts(): Map<string, string> {
    this.#facts ??= new Map(this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM facts").toArray().map((row) => [row.key, row.value]));
    return this.#facts;
  }

  #entries(query: string, ...bindings: Value[]): OutboxEntry[] {
    return this.sql
      .exec<OutboxRow>(query, ...bindings)
      .toArray()
      .map((row) => this.#entry(row));
  }

  /** A body that no longer parses is parked as dead with the reason, so it cannot block the entries behind it. */
  #entry(row: OutboxRow): OutboxEntry {
    const entry: OutboxEntry = {
      runId: row.run_id,
      kind: row.kind as OutboxKind,
      body: undefined,
      status: row.status as OutboxStatus,
      attempts: row.attempts,
      nextAt: row.next_at,
      createdAt: row.created_at ?? row.next_at,
      ...(row.last_error ? { lastError: row.last_error } : {}),
    };
    try {
      return { ...entry, body: JSON.parse(row.body) as unknown };
    } catch (error) {
      const lastError = `stored body unreadable: ${error instanceof Error ? error.message : String(error)}`;
      this.sql.exec("UPDATE outbox SET status = 'dead', last_error = ? WHERE run_id = ? AND kind = ?", lastError, row.run_id, row.kind);
      return { ...entry, status: "dead", lastError };
    }
  }

  /** Every write goes through here: held to the row limit production enforces, and counted. */
  #write(query: string, ...bindings: Value[]): void {
    let bytes = 0;
    for (const value of bindings) bytes += typeof value === "string" ? byteLength(value) : 8;
    if (bytes > this.maxRowBytes) {
      throw new StorageLimitError(`a row of ${bytes} bytes exceeds the ${this.maxRowBytes}-byte limit of Durable Object SQLite`);
    }
    this.sql.exec(query, ...bindings);
    this.#written += bytes;
  }

  /**
   * Storage of the first version kept each run as one growing document: its columns are added and filled from
   * the documents, and a run it left mid-turn is closed, its recorded calls queued for mana-auth.
   */
  #migrate(): void {
    this.sql.exec("ALTER TABLE runs ADD COLUMN started_at INTEGER");
    this.sql.exec("ALTER TABLE runs ADD COLUMN unstarted_failure INTEGER NOT NULL DEFAULT 0");
    this.sql.exec("ALTER TABLE outbox ADD COLUMN created_at INTEGER");
    // An entry's week before it is parked starts now: the old schema did not keep when it was written.
    this.sql.exec("UPDATE outbox SET created_at = ? WHERE created_at IS NULL", Date.now());
    this.sql.exec(`UPDATE runs SET started_at = json_extract(doc, '$.startedAt'),
      unstarted_failure = COALESCE(json_extract(doc, '$.failedBeforeStart'), 0)`);
    const open = this.sql
      .exec<{ doc: string }>("SELECT doc FROM runs WHERE phase IN ('main', 'rating') AND json_extract(doc, '$.loop') IS NOT NULL")
      .toArray();
    for (const { doc } of open) this.#closeLegacyRun(JSON.parse(doc) as LegacyRun);
  }

  #closeLegacyRun(run: LegacyRun): void {
    const now = Date.now();
    const actions = (run.loop?.actions ?? []).map(({ toolName, result, inputHash, latencyMs, errorMessage }) => ({
      tickId: run.tickId,
      toolName,
      result,
      ...(inputHash !== undefined ? { inputHash } : {}),
      latencyMs: Math.round(latencyMs),
      ...(errorMessage !== undefined ? { errorMessage } : {}),
    }));
    // A call in flight at the upgrade may have run: reported once, like any interrupted call.
    const inflight = run.loop?.inflight;
    if (inflight) actions.push({ tickId: run.tickId, toolName: inflight.toolName, result: "error", latencyMs: 0, errorMessage: INTERRUPTED });
    if (actions.length > 0) this.enqueue(run.runId, "actions", actions, now);
    const feedback = run.rating?.feedback ?? [];
    if (feedback.length > 0) this.enqueue(run.runId, "feedback", feedback, now);
    const { loop: _loop, rating: _rating, ...header } = run;
    this.saveHeader({ ...header, phase: "delivering", failure: "interrupted by the runner's storage upgrade", usage: run.usage, costUsd: run.costUsd });
  }

}

type LegacyRun = RunHeader & {
  loop?: {
    actions: { toolName: string; result: "ok" | "error"; inputHash?: string; latencyMs: number; errorMessage?: string }[];
    inflight?: { toolName: string };
  };
  rating?: { feedback: unknown[] };
};

/** Usage stored before 1-hour cache writes were counted apart lacks them: read as none. */
function parseHeader(doc: string): RunHeader {
  const header = JSON.parse(doc) as RunHeader;
  return { ...header, usage: storedUsage(header.usage) };
}

function parseStep(body: string): RunStep {
  const step = JSON.parse(body) as RunStep;
  const stale = (step.type === "response" || step.type === "rating") && step.usage.cacheWrite1h === undefined;
  return stale ? { ...step, usage: storedUsage(step.usage) } : step;
}

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

const encoder = new TextEncoder();
