import type { LoopState } from "../claude/loop";
import type { Usage } from "../claude/usage";
import type { DuePersona, FeedbackRow } from "../mana/schemas";

export type Phase = "queued" | "main" | "rating" | "delivering" | "succeeded" | "failed";
export const TERMINAL: ReadonlySet<Phase> = new Set(["succeeded", "failed"]);

export interface RatingRecord {
  text: string;
  feedback: FeedbackRow[];
}

/** A run as it is checkpointed: enough to resume it, and the transcript operators read afterwards. */
export interface RunRecord {
  runId: string;
  tickId: string;
  slot: string;
  manual: boolean;
  persona: DuePersona;
  phase: Phase;
  attempts: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** The reason a run failed, or why it is waiting (retries, delivery). */
  error?: string;
  failure?: string;
  /** Gave up before the main turn began (login, space, MCP setup): the persona retries after a wait. */
  failedBeforeStart?: boolean;
  usage: Usage;
  costUsd: number;
  loop?: LoopState;
  rating?: RatingRecord;
  spaceId?: string;
}

export type OutboxKind = "actions" | "feedback";
export type OutboxStatus = "pending" | "delivered" | "dead" | "gone";

export interface OutboxEntry {
  runId: string;
  kind: OutboxKind;
  body: unknown[];
  status: OutboxStatus;
  attempts: number;
  nextAt: number;
  lastError?: string;
}

/** The persona object's SQLite: runs (documents with indexed columns), the outbox, and a few facts. */
export class RunStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, phase TEXT NOT NULL, created_at INTEGER NOT NULL,
        finished_at INTEGER, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at);
      CREATE TABLE IF NOT EXISTS outbox (run_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (run_id, kind));
      CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  }

  save(run: RunRecord): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)",
      run.runId,
      run.phase,
      run.createdAt,
      run.finishedAt ?? null,
      JSON.stringify(run),
    );
  }

  run(runId: string): RunRecord | undefined {
    const row = this.sql.exec<{ doc: string }>("SELECT doc FROM runs WHERE run_id = ?", runId).toArray()[0];
    return row ? (JSON.parse(row.doc) as RunRecord) : undefined;
  }

  /** The unfinished run, if any; there is at most one by construction of dispatch. */
  activeRun(): RunRecord | undefined {
    const row = this.sql
      .exec<{ doc: string }>("SELECT doc FROM runs WHERE phase NOT IN ('succeeded', 'failed') ORDER BY created_at LIMIT 1")
      .toArray()[0];
    return row ? (JSON.parse(row.doc) as RunRecord) : undefined;
  }

  recentRuns(limit: number): RunRecord[] {
    return this.sql
      .exec<{ doc: string }>("SELECT doc FROM runs ORDER BY created_at DESC LIMIT ?", limit)
      .toArray()
      .map((row) => JSON.parse(row.doc) as RunRecord);
  }

  /** When the newest run that gave up before it started ended (not one dropped by a pause or never tried). */
  lastUnstartedFailureAt(): number | undefined {
    const row = this.sql
      .exec<{ at: number | null }>("SELECT MAX(finished_at) AS at FROM runs WHERE json_extract(doc, '$.failedBeforeStart') = 1")
      .one();
    return row.at ?? undefined;
  }

  /** When the last run that actually started ended; a run that never started does not count toward cadence. */
  lastFinishedAt(): number | undefined {
    const row = this.sql
      .exec<{ at: number | null }>("SELECT MAX(finished_at) AS at FROM runs WHERE json_extract(doc, '$.startedAt') IS NOT NULL")
      .one();
    return row.at ?? undefined;
  }

  /** Keeps the newest `keep` runs; an undelivered outbox keeps its run. */
  prune(keep: number): void {
    this.sql.exec(
      `DELETE FROM runs WHERE phase IN ('succeeded', 'failed') AND run_id NOT IN
         (SELECT run_id FROM runs ORDER BY created_at DESC LIMIT ?)
       AND run_id NOT IN (SELECT run_id FROM outbox WHERE status = 'pending')`,
      keep,
    );
    // Parked batches (dead, gone) outlive their run: they are the only copy of what mana-auth refused.
    this.sql.exec("DELETE FROM outbox WHERE status = 'delivered' AND run_id NOT IN (SELECT run_id FROM runs)");
  }

  enqueue(runId: string, kind: OutboxKind, body: unknown[], now: number): void {
    // OR IGNORE: a batch, once written, is never rebuilt, so every resend is the identical request.
    this.sql.exec("INSERT OR IGNORE INTO outbox (run_id, kind, body, status, next_at) VALUES (?, ?, ?, 'pending', ?)", runId, kind, JSON.stringify(body), now);
  }

  outbox(runId: string): OutboxEntry[] {
    return this.sql
      .exec<{ run_id: string; kind: string; body: string; status: string; attempts: number; next_at: number; last_error: string | null }>(
        "SELECT * FROM outbox WHERE run_id = ? ORDER BY kind",
        runId,
      )
      .toArray()
      .map((row) => ({
        runId: row.run_id,
        kind: row.kind as OutboxKind,
        body: JSON.parse(row.body) as unknown[],
        status: row.status as OutboxStatus,
        attempts: row.attempts,
        nextAt: row.next_at,
        ...(row.last_error ? { lastError: row.last_error } : {}),
      }));
  }

  updateOutbox(entry: OutboxEntry): void {
    this.sql.exec(
      "UPDATE outbox SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE run_id = ? AND kind = ?",
      entry.status,
      entry.attempts,
      entry.nextAt,
      entry.lastError ?? null,
      entry.runId,
      entry.kind,
    );
  }

  hasPendingOutbox(): boolean {
    return this.sql.exec("SELECT 1 FROM outbox WHERE status = 'pending' LIMIT 1").toArray().length > 0;
  }

  fact(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM facts WHERE key = ?", key).toArray()[0]?.value;
  }

  setFact(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO facts VALUES (?, ?)", key, value);
  }
}
