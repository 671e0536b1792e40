/**
 * @module
 * The evidence findings are judged on, in bounded SQLite tables: the newest outcomes per tool, write check and
 * persona, ratings in hourly and daily buckets, and per-day run counts for the digest. Nothing grows with runs.
 */
import type { RunEvidence } from "./evidence";
import type { Outcome, PersonaRun, RatingPair, RatingWindow } from "./rules";
import { signatureOf } from "./signature";

const DAY = 24 * 3_600_000;
/** Ratings cover the last day plus the seven before it. */
const RATINGS_KEPT_MS = 8 * DAY;
const DAYS_KEPT = 60;
/** Newest rows kept per subject beyond what a rule reads, and runs kept per persona. */
const RING_FLOOR = 20;
const PERSONA_RUNS_KEPT = 5;

type OutcomeRow = {
  at: number;
  ok: number;
  error: string | null;
  run_id: string;
  user_id: string;
  persona: string;
};

export class EvidenceStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly ring: number,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY, tool TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL,
        error TEXT, run_id TEXT NOT NULL, user_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS calls_by_tool ON calls (tool, seq);
      CREATE TABLE IF NOT EXISTS checks (seq INTEGER PRIMARY KEY, tool TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL,
        error TEXT, run_id TEXT NOT NULL, user_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS checks_by_tool ON checks (tool, seq);
      CREATE TABLE IF NOT EXISTS setups (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL,
        error TEXT, run_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS setups_by_user ON setups (user_id, seq);
      CREATE TABLE IF NOT EXISTS persona_runs (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, at INTEGER NOT NULL, calls INTEGER NOT NULL,
        failed INTEGER NOT NULL, errors TEXT NOT NULL, tools TEXT NOT NULL, run_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS persona_runs_by_user ON persona_runs (user_id, seq);
      CREATE TABLE IF NOT EXISTS ratings (seq INTEGER PRIMARY KEY, module TEXT NOT NULL, at INTEGER NOT NULL, rating INTEGER NOT NULL,
        run_id TEXT NOT NULL, user_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS ratings_by_module ON ratings (module, at);
      CREATE TABLE IF NOT EXISTS rating_days (module TEXT NOT NULL, day TEXT NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (module, day));
      CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, at INTEGER NOT NULL, outcome TEXT NOT NULL, cost_usd REAL NOT NULL,
        failure TEXT);
      CREATE INDEX IF NOT EXISTS runs_by_time ON runs (at);`);
  }

  /**
   * Stores one run's evidence and answers the subjects it touched, whose findings need judging again; undefined
   * when this run was stored before (a hand-over delivered twice counts once).
   */
  record(run: RunEvidence): { tools: string[]; writes: string[]; modules: string[] } | undefined {
    const failure = run.outcome === "failed" ? signatureOf(run.failure ?? "unknown") : null;
    const stored = this.sql.exec("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?)", run.runId, run.finishedAt, run.outcome, run.costUsd, failure);
    if (stored.rowsWritten === 0) return undefined;
    const at = run.finishedAt;
    const who = [run.runId, run.userId, run.persona] as const;
    for (const call of run.calls) this.sql.exec("INSERT INTO calls (tool, at, ok, error, run_id, user_id, persona) VALUES (?, ?, ?, ?, ?, ?, ?)", call.tool, at, call.ok ? 1 : 0, call.error ?? null, ...who);
    const judged = run.checks.filter((check) => check.status === "verified" || check.status === "missing" || check.status === "mismatch");
    for (const check of judged) {
      const error = check.status === "verified" ? null : `${check.status}: ${check.detail ?? ""}`;
      this.sql.exec("INSERT INTO checks (tool, at, ok, error, run_id, user_id, persona) VALUES (?, ?, ?, ?, ?, ?, ?)", check.tool, at, check.status === "verified" ? 1 : 0, error, ...who);
    }
    this.#recordPersona(run);
    this.#recordRatings(run);
    const tools = unique(run.calls.map((call) => call.tool));
    const writes = unique(judged.map((check) => check.tool));
    for (const tool of tools) this.#trim("calls", "tool", tool, this.ring);
    for (const tool of writes) this.#trim("checks", "tool", tool, this.ring);
    return { tools, writes, modules: unique(run.ratings.map((rating) => rating.module)) };
  }

  toolCalls(tool: string): Outcome[] {
    return this.#outcomes("SELECT * FROM calls WHERE tool = ? ORDER BY seq DESC LIMIT ?", tool, this.ring);
  }

  writeChecks(tool: string): Outcome[] {
    return this.#outcomes("SELECT * FROM checks WHERE tool = ? ORDER BY seq DESC LIMIT ?", tool, this.ring);
  }

  setupAttempts(userId: string): Outcome[] {
    return this.#outcomes("SELECT * FROM setups WHERE user_id = ? ORDER BY seq DESC LIMIT ?", userId, this.ring);
  }

  /** The persona's own recent runs, newest first, and the other personas' calls of the same tools. */
  personaCalls(userId: string): { runs: PersonaRun[]; others: Outcome[] } {
    const rows = this.sql
      .exec<{ at: number; calls: number; failed: number; errors: string; tools: string; run_id: string; user_id: string; persona: string }>(
        "SELECT * FROM persona_runs WHERE user_id = ? ORDER BY seq DESC",
        userId,
      )
      .toArray();
    const runs = rows.map((row) => ({
      at: row.at,
      calls: row.calls,
      failed: row.failed,
      errors: JSON.parse(row.errors) as string[],
      runId: row.run_id,
      userId: row.user_id,
      persona: row.persona,
    }));
    const tools = unique(rows.flatMap((row) => JSON.parse(row.tools) as string[]));
    const others = tools.flatMap((tool) => this.toolCalls(tool).filter((outcome) => outcome.userId !== userId));
    return { runs, others };
  }

  /** Personas whose recent runs had failing calls: the subjects of persona findings. */
  personasWithFailures(since: number): string[] {
    return this.sql
      .exec<{ user_id: string }>("SELECT DISTINCT user_id FROM persona_runs WHERE failed > 0 AND at >= ?", since)
      .toArray()
      .map((row) => row.user_id);
  }

  /**
   * Each persona's ratings of a module over the last day against its own over the seven days before: comparing a
   * persona with itself, so a day rated by other personas than usual is no drop.
   */
  ratingPairs(module: string, now: number): RatingPair[] {
    const dayAgo = now - DAY;
    return this.sql
      .exec<{ user_id: string; persona: string; last_sum: number; last_count: number; trail_sum: number; trail_count: number; run_id: string | null }>(
        `SELECT user_id, MAX(persona) AS persona,
           SUM(CASE WHEN at > ? THEN rating ELSE 0 END) AS last_sum, SUM(CASE WHEN at > ? THEN 1 ELSE 0 END) AS last_count,
           SUM(CASE WHEN at <= ? THEN rating ELSE 0 END) AS trail_sum, SUM(CASE WHEN at <= ? THEN 1 ELSE 0 END) AS trail_count,
           MAX(CASE WHEN at > ? THEN run_id END) AS run_id
         FROM ratings WHERE module = ? AND at > ? GROUP BY user_id`,
        dayAgo,
        dayAgo,
        dayAgo,
        dayAgo,
        dayAgo,
        module,
        now - RATINGS_KEPT_MS,
      )
      .toArray()
      .map((row) => ({
        userId: row.user_id,
        persona: row.persona,
        runId: row.run_id ?? "",
        lastDay: { sum: row.last_sum, count: row.last_count },
        trailing: { sum: row.trail_sum, count: row.trail_count },
      }));
  }

  /** All ratings of a module over the last day against the seven days before, whoever gave them (the digest). */
  ratingWindows(module: string, now: number): { lastDay: RatingWindow; trailing: RatingWindow } {
    const pairs = this.ratingPairs(module, now);
    const add = (pick: (pair: RatingPair) => RatingWindow) =>
      pairs.reduce((total, pair) => ({ sum: total.sum + pick(pair).sum, count: total.count + pick(pair).count }), { sum: 0, count: 0 });
    return { lastDay: add((pair) => pair.lastDay), trailing: add((pair) => pair.trailing) };
  }

  /** Modules rated in the last eight days: the subjects of rating findings. */
  ratedModules(now: number): string[] {
    return this.sql
      .exec<{ module: string }>("SELECT DISTINCT module FROM ratings WHERE at > ?", now - RATINGS_KEPT_MS)
      .toArray()
      .map((row) => row.module);
  }

  /** Average rating per module and UTC day, oldest first, for the status page's chart. */
  ratingHistory(days: number, now: number): { day: string; module: string; average: number; count: number }[] {
    return this.sql
      .exec<{ day: string; module: string; sum: number; count: number }>("SELECT day, module, sum, count FROM rating_days WHERE day >= ? ORDER BY day, module", isoDay(now - days * DAY))
      .toArray()
      .map((row) => ({ day: row.day, module: row.module, average: row.sum / row.count, count: row.count }));
  }

  /** What the digest reports about the last 24 hours: runs, their cost, and why runs failed. */
  lastDay(now: number): { succeeded: number; failed: number; costUsd: number; failures: { reason: string; count: number }[] } {
    const since = now - DAY;
    const runs = this.sql
      .exec<{ succeeded: number | null; failed: number | null; cost: number | null }>(
        "SELECT SUM(outcome = 'succeeded') AS succeeded, SUM(outcome = 'failed') AS failed, SUM(cost_usd) AS cost FROM runs WHERE at > ?",
        since,
      )
      .one();
    const failures = this.sql
      .exec<{ reason: string; count: number }>(
        "SELECT failure AS reason, COUNT(*) AS count FROM runs WHERE at > ? AND failure IS NOT NULL GROUP BY failure ORDER BY count DESC LIMIT 5",
        since,
      )
      .toArray();
    return { succeeded: runs.succeeded ?? 0, failed: runs.failed ?? 0, costUsd: runs.cost ?? 0, failures };
  }

  /** Drops what no rule or page reads any more. */
  prune(now: number, windowMs: number): void {
    const oldest = now - Math.max(windowMs, 8 * DAY);
    for (const table of ["calls", "checks", "setups", "persona_runs", "runs"]) this.sql.exec(`DELETE FROM ${table} WHERE at < ?`, oldest);
    this.sql.exec("DELETE FROM ratings WHERE at <= ?", now - RATINGS_KEPT_MS);
    this.sql.exec("DELETE FROM rating_days WHERE day < ?", isoDay(now - DAYS_KEPT * DAY));
  }

  #recordPersona(run: RunEvidence): void {
    const who = [run.runId, run.persona] as const;
    // Evidence comes only from runs that started or failed trying: without `setup`, the run started.
    this.sql.exec("INSERT INTO setups (user_id, at, ok, error, run_id, persona) VALUES (?, ?, ?, ?, ?, ?)", run.userId, run.finishedAt, run.setup ? 0 : 1, run.setup ? `${run.setup.stage}: ${run.setup.error}` : null, ...who);
    this.#trim("setups", "user_id", run.userId, RING_FLOOR);
    if (run.calls.length === 0) return;
    const failed = run.calls.filter((call) => !call.ok);
    this.sql.exec(
      "INSERT INTO persona_runs (user_id, at, calls, failed, errors, tools, run_id, persona) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      run.userId,
      run.finishedAt,
      run.calls.length,
      failed.length,
      JSON.stringify(failed.slice(0, 5).map((call) => call.error ?? "")),
      JSON.stringify(unique(run.calls.map((call) => call.tool))),
      ...who,
    );
    this.#trim("persona_runs", "user_id", run.userId, PERSONA_RUNS_KEPT);
  }

  #recordRatings(run: RunEvidence): void {
    for (const { module, rating } of run.ratings) {
      this.sql.exec("INSERT INTO ratings (module, at, rating, run_id, user_id, persona) VALUES (?, ?, ?, ?, ?, ?)", module, run.finishedAt, rating, run.runId, run.userId, run.persona);
      this.sql.exec("INSERT INTO rating_days VALUES (?, ?, ?, 1) ON CONFLICT (module, day) DO UPDATE SET sum = sum + excluded.sum, count = count + 1", module, isoDay(run.finishedAt), rating);
    }
  }

  /** Keeps the newest `keep` rows of one subject. */
  #trim(table: string, column: string, value: string, keep: number): void {
    this.sql.exec(`DELETE FROM ${table} WHERE ${column} = ? AND seq <= (SELECT seq FROM ${table} WHERE ${column} = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`, value, value, keep);
  }

  #outcomes(query: string, ...bindings: (string | number)[]): Outcome[] {
    return this.sql
      .exec<OutcomeRow>(query, ...bindings)
      .toArray()
      .map((row) => ({ at: row.at, ok: row.ok === 1, ...(row.error ? { error: row.error } : {}), runId: row.run_id, userId: row.user_id, persona: row.persona }));
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
