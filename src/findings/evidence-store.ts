/**
 * @module
 * The evidence findings are judged on, in bounded SQLite tables: the newest outcomes per tool, write check and
 * persona, ratings in hourly and daily buckets, and per-day run counts for the digest. Nothing grows with runs.
 */
import { PARSE_MARKER } from "../claude/rating";
import type { RunEvidence } from "./evidence";
import type { Outcome, RatingWindow } from "./rules";
import { signatureOf } from "./signature";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Hourly rating buckets cover the last day plus the seven before it. */
const RATING_HOURS_KEPT = 8 * 24 + 1;
const DAYS_KEPT = 60;
/** Newest rows kept per subject beyond what a rule reads, and runs kept per persona. */
const RING_FLOOR = 20;
const PERSONA_RUNS_KEPT = 5;
const LOW_RATINGS_KEPT = 10;
const LOW_RATING = 2;

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
      CREATE TABLE IF NOT EXISTS rating_hours (module TEXT NOT NULL, hour INTEGER NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (module, hour));
      CREATE TABLE IF NOT EXISTS rating_days (module TEXT NOT NULL, day TEXT NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (module, day));
      CREATE TABLE IF NOT EXISTS low_ratings (seq INTEGER PRIMARY KEY, module TEXT NOT NULL, at INTEGER NOT NULL, rating INTEGER NOT NULL,
        run_id TEXT NOT NULL, user_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS run_days (day TEXT PRIMARY KEY, succeeded INTEGER NOT NULL, failed INTEGER NOT NULL, cost_usd REAL NOT NULL);
      CREATE TABLE IF NOT EXISTS failure_days (day TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, reason));`);
  }

  /** Stores one run's evidence and answers the subjects it touched, whose findings need judging again. */
  record(run: RunEvidence): { tools: string[]; writes: string[]; modules: string[] } {
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
    this.#recordDay(run);
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

  /** The persona's own recent calls, and the other personas' calls of the same tools. */
  personaCalls(userId: string): { own: Outcome[]; others: Outcome[] } {
    const runs = this.sql
      .exec<{ at: number; calls: number; failed: number; errors: string; tools: string; run_id: string; user_id: string; persona: string }>(
        "SELECT * FROM persona_runs WHERE user_id = ? ORDER BY seq DESC",
        userId,
      )
      .toArray();
    const own = runs.flatMap((run) => {
      const errors = JSON.parse(run.errors) as string[];
      const who = { at: run.at, runId: run.run_id, userId: run.user_id, persona: run.persona };
      const failed = Array.from({ length: run.failed }, (_, i) => ({ ...who, ok: false, ...(errors[i] ? { error: errors[i] } : {}) }));
      return [...failed, ...Array.from({ length: run.calls - run.failed }, () => ({ ...who, ok: true }))];
    });
    const tools = unique(runs.flatMap((run) => JSON.parse(run.tools) as string[]));
    const others = tools.flatMap((tool) => this.toolCalls(tool).filter((outcome) => outcome.userId !== userId));
    return { own, others };
  }

  /** Ratings of the last day against the seven days before it. */
  ratingWindows(module: string, now: number): { lastDay: RatingWindow; trailing: RatingWindow } {
    const hour = Math.floor(now / HOUR);
    const window = (from: number, to: number) =>
      this.sql
        .exec<{ sum: number | null; count: number | null }>("SELECT SUM(sum) AS sum, SUM(count) AS count FROM rating_hours WHERE module = ? AND hour > ? AND hour <= ?", module, from, to)
        .toArray()
        .map((row) => ({ sum: row.sum ?? 0, count: row.count ?? 0 }))[0] ?? { sum: 0, count: 0 };
    return { lastDay: window(hour - 24, hour), trailing: window(hour - RATING_HOURS_KEPT + 1, hour - 24) };
  }

  lowRatings(module: string): Outcome[] {
    return this.sql
      .exec<{ at: number; rating: number; run_id: string; user_id: string; persona: string }>("SELECT * FROM low_ratings WHERE module = ? ORDER BY seq DESC", module)
      .toArray()
      .map((row) => ({ at: row.at, ok: false, error: `rated ${row.rating}`, runId: row.run_id, userId: row.user_id, persona: row.persona }));
  }

  /** Modules rated in the last eight days: the subjects of rating findings. */
  ratedModules(now: number): string[] {
    return this.sql
      .exec<{ module: string }>("SELECT DISTINCT module FROM rating_hours WHERE hour > ?", Math.floor(now / HOUR) - RATING_HOURS_KEPT)
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

  /** What the digest reports about the last day: runs, their cost, and why runs failed. */
  lastDay(now: number): { succeeded: number; failed: number; costUsd: number; failures: { reason: string; count: number }[] } {
    const days = [isoDay(now - DAY), isoDay(now)];
    const runs = this.sql
      .exec<{ succeeded: number | null; failed: number | null; cost: number | null }>(
        "SELECT SUM(succeeded) AS succeeded, SUM(failed) AS failed, SUM(cost_usd) AS cost FROM run_days WHERE day IN (?, ?)",
        ...days,
      )
      .one();
    const failures = this.sql
      .exec<{ reason: string; count: number }>("SELECT reason, SUM(count) AS count FROM failure_days WHERE day IN (?, ?) GROUP BY reason ORDER BY count DESC LIMIT 5", ...days)
      .toArray();
    return { succeeded: runs.succeeded ?? 0, failed: runs.failed ?? 0, costUsd: runs.cost ?? 0, failures };
  }

  /** Drops what no rule or page reads any more. */
  prune(now: number, windowMs: number): void {
    const oldest = now - Math.max(windowMs, 8 * DAY);
    for (const table of ["calls", "checks", "setups", "persona_runs", "low_ratings"]) this.sql.exec(`DELETE FROM ${table} WHERE at < ?`, oldest);
    this.sql.exec("DELETE FROM rating_hours WHERE hour <= ?", Math.floor(now / HOUR) - RATING_HOURS_KEPT);
    const firstDay = isoDay(now - DAYS_KEPT * DAY);
    this.sql.exec("DELETE FROM rating_days WHERE day < ?", firstDay);
    this.sql.exec("DELETE FROM run_days WHERE day < ?", firstDay);
    this.sql.exec("DELETE FROM failure_days WHERE day < ?", isoDay(now - 8 * DAY));
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
    const hour = Math.floor(run.finishedAt / HOUR);
    for (const { module, rating } of run.ratings) {
      if (module === PARSE_MARKER) continue;
      this.sql.exec("INSERT INTO rating_hours VALUES (?, ?, ?, 1) ON CONFLICT (module, hour) DO UPDATE SET sum = sum + excluded.sum, count = count + 1", module, hour, rating);
      this.sql.exec("INSERT INTO rating_days VALUES (?, ?, ?, 1) ON CONFLICT (module, day) DO UPDATE SET sum = sum + excluded.sum, count = count + 1", module, isoDay(run.finishedAt), rating);
      if (rating > LOW_RATING) continue;
      this.sql.exec("INSERT INTO low_ratings (module, at, rating, run_id, user_id, persona) VALUES (?, ?, ?, ?, ?, ?)", module, run.finishedAt, rating, run.runId, run.userId, run.persona);
      this.#trim("low_ratings", "module", module, LOW_RATINGS_KEPT);
    }
  }

  #recordDay(run: RunEvidence): void {
    const day = isoDay(run.finishedAt);
    const failed = run.outcome === "failed" ? 1 : 0;
    this.sql.exec(
      `INSERT INTO run_days VALUES (?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET succeeded = succeeded + excluded.succeeded,
         failed = failed + excluded.failed, cost_usd = cost_usd + excluded.cost_usd`,
      day,
      1 - failed,
      failed,
      run.costUsd,
    );
    if (!failed) return;
    const reason = signatureOf(run.failure ?? "unknown");
    this.sql.exec("INSERT INTO failure_days VALUES (?, ?, 1) ON CONFLICT (day, reason) DO UPDATE SET count = count + 1", day, reason);
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
