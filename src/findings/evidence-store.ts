/**
 * @module
 * The evidence findings are judged on, in bounded SQLite tables: the newest calls per tool (with origin and
 * latency), hourly per-tool counts and latency histograms for baselines, write checks, run starts and setup
 * failures, service probes, per-persona runs, ratings in hourly and daily buckets, and per-day run counts.
 * Nothing grows with runs: rings per subject, hours and days pruned by age.
 */
import type { RunEvidence } from "./evidence";
import type { Call, PersonaRun, RatingPair, RatingWindow, SetupAttempt } from "./rules";
import { APP_ORIGINS } from "./rules";
import { classify, MODEL_ORIGINS } from "./classify";
import { type Histogram, histogramOf, mergeHistograms } from "./stats";
import { signatureOf } from "./signature";
import type { Outcome } from "./verdict";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Ratings cover the last day plus the seven before it. */
const RATINGS_KEPT_MS = 8 * DAY;
const DAYS_KEPT = 60;
const RING_FLOOR = 20;
const PERSONA_RUNS_KEPT = 10;
const PROBES_KEPT = 50;
/** Other personas' calls read when judging one persona: enough for its tools, bounded whatever the fleet. */
const OTHERS_READ = 400;
const SETUP_FAILURES_READ = 200;

type CallRow = { tool: string; at: number; ok: number; origin: string | null; latency_ms: number; error: string | null; run_id: string; user_id: string; persona: string };
type OutcomeRow = { at: number; ok: number; error: string | null; run_id: string; user_id: string; persona: string };

/** What a tool failed at: on the app's side, for the model's reasons, or in a read-after-write check. */
export type FailureKind = "app" | "model" | "invisible";

/** Which tools' hours are judged already (an open finding): they are left out of the baselines they would skew. */
export interface Flagged {
  failing: ReadonlySet<string>;
  slow: ReadonlySet<string>;
}

export class EvidenceStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly ring: number,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY, tool TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL,
        error TEXT, run_id TEXT NOT NULL, user_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS calls_by_tool ON calls (tool, seq);
      CREATE TABLE IF NOT EXISTS tool_hours (tool TEXT NOT NULL, hour INTEGER NOT NULL, calls INTEGER NOT NULL, failed INTEGER NOT NULL,
        misused INTEGER NOT NULL, flagged_failing INTEGER NOT NULL, flagged_slow INTEGER NOT NULL, latency TEXT NOT NULL,
        PRIMARY KEY (tool, hour));
      CREATE TABLE IF NOT EXISTS checks (seq INTEGER PRIMARY KEY, tool TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL,
        error TEXT, run_id TEXT NOT NULL, user_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS checks_by_tool ON checks (tool, seq);
      CREATE TABLE IF NOT EXISTS setups (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL,
        error TEXT, run_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS setups_by_user ON setups (user_id, seq);
      CREATE TABLE IF NOT EXISTS probes (seq INTEGER PRIMARY KEY, service TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT);
      CREATE INDEX IF NOT EXISTS probes_by_service ON probes (service, seq);
      CREATE TABLE IF NOT EXISTS persona_runs (seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, at INTEGER NOT NULL, calls INTEGER NOT NULL,
        failed INTEGER NOT NULL, errors TEXT NOT NULL, tools TEXT NOT NULL, run_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS persona_runs_by_user ON persona_runs (user_id, seq);
      CREATE TABLE IF NOT EXISTS service_success (service TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS setup_watch (user_id TEXT PRIMARY KEY, at INTEGER NOT NULL, stage TEXT, server INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS ratings (seq INTEGER PRIMARY KEY, module TEXT NOT NULL, at INTEGER NOT NULL, rating INTEGER NOT NULL,
        run_id TEXT NOT NULL, user_id TEXT NOT NULL, persona TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS ratings_by_module ON ratings (module, at);
      CREATE TABLE IF NOT EXISTS rating_days (module TEXT NOT NULL, day TEXT NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (module, day));
      CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, at INTEGER NOT NULL, outcome TEXT NOT NULL, cost_usd REAL NOT NULL,
        failure TEXT);
      CREATE INDEX IF NOT EXISTS runs_by_time ON runs (at);`);
    // Columns added after the first release; a fresh table has them from its CREATE, an older one gains them here,
    // and its failed calls their origin, so the old release's model errors do not count as the app's.
    if (addColumns(sql, "calls", ["origin TEXT", "latency_ms INTEGER NOT NULL DEFAULT 0"])) {
      for (const row of sql.exec<{ seq: number; error: string | null }>("SELECT seq, error FROM calls WHERE ok = 0").toArray()) {
        sql.exec("UPDATE calls SET origin = ? WHERE seq = ?", classify(row.error ?? ""), row.seq);
      }
    }
    addColumns(sql, "setups", ["stage TEXT", "server INTEGER NOT NULL DEFAULT 0"]);
    // What a judgement pass looks up by time: each index holds only the rows it is asked for, so a pass reads the
    // failures it judges, never the fleet's runs.
    sql.exec(`CREATE TABLE IF NOT EXISTS tool_failures (tool TEXT NOT NULL, kind TEXT NOT NULL, last_at INTEGER NOT NULL,
        PRIMARY KEY (tool, kind));
      CREATE INDEX IF NOT EXISTS calls_by_time ON calls (at);
      CREATE INDEX IF NOT EXISTS calls_lost_by_time ON calls (at) WHERE ok = 0 AND origin = 'transport';
      CREATE INDEX IF NOT EXISTS checks_by_time ON checks (at);
      CREATE INDEX IF NOT EXISTS setups_by_time ON setups (at);
      CREATE INDEX IF NOT EXISTS setups_failed_by_time ON setups (at) WHERE ok = 0;
      CREATE INDEX IF NOT EXISTS setups_started_by_time ON setups (at) WHERE ok = 1;
      CREATE INDEX IF NOT EXISTS setup_watch_by_time ON setup_watch (at);
      CREATE INDEX IF NOT EXISTS persona_runs_by_time ON persona_runs (at);
      CREATE INDEX IF NOT EXISTS persona_runs_failed_by_time ON persona_runs (at) WHERE failed > 0;`);
  }

  /**
   * Stores one run's evidence and answers the subjects it touched; undefined when this run was stored before (a
   * hand-over delivered twice counts once).
   */
  record(run: RunEvidence, flagged: Flagged): { tools: string[]; writes: string[]; modules: string[] } | undefined {
    const failure = run.outcome === "failed" ? signatureOf(run.failure ?? "unknown") : null;
    const stored = this.sql.exec("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?)", run.runId, run.finishedAt, run.outcome, run.costUsd, failure);
    if (stored.rowsWritten === 0) return undefined;
    const at = run.finishedAt;
    const who = [run.runId, run.userId, run.persona] as const;
    for (const call of run.calls) {
      this.sql.exec(
        "INSERT INTO calls (tool, at, ok, origin, latency_ms, error, run_id, user_id, persona) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        call.tool,
        at,
        call.ok ? 1 : 0,
        call.origin ?? null,
        Math.round(call.latencyMs),
        call.error ?? null,
        ...who,
      );
    }
    this.#recordHours(run, flagged);
    this.#recordFailing(run);
    const judged = run.checks.filter((check) => check.status === "verified" || check.status === "missing" || check.status === "mismatch");
    for (const check of judged) {
      const error = check.status === "verified" ? null : `${check.status}: ${check.detail ?? ""}`;
      this.sql.exec("INSERT INTO checks (tool, at, ok, error, run_id, user_id, persona) VALUES (?, ?, ?, ?, ?, ?, ?)", check.tool, at, check.status === "verified" ? 1 : 0, error, ...who);
    }
    this.#recordSetup(run);
    this.#recordPersona(run);
    this.#recordRatings(run);
    const tools = unique(run.calls.map((call) => call.tool));
    const writes = unique(judged.map((check) => check.tool));
    for (const tool of tools) this.#trim("calls", "tool", tool, this.ring);
    for (const tool of writes) this.#trim("checks", "tool", tool, this.ring);
    return { tools, writes, modules: unique(run.ratings.map((rating) => rating.module)) };
  }

  /** The newest calls of a tool, newest first. */
  toolCalls(tool: string): Call[] {
    return this.sql
      .exec<CallRow>("SELECT * FROM calls WHERE tool = ? ORDER BY seq DESC LIMIT ?", tool, this.ring)
      .toArray()
      .map(callOf);
  }

  /**
   * Tools with failures of a kind since then (the app's, the model's, or writes not visible): the only ones a
   * verdict of that kind can hold for. One row per tool and kind, whatever the fleet.
   */
  toolsFailingSince(since: number, kind: FailureKind): string[] {
    return this.sql
      .exec<{ tool: string }>("SELECT tool FROM tool_failures WHERE kind = ? AND last_at >= ?", kind, since)
      .toArray()
      .map((row) => row.tool);
  }

  /** The module's tools that answered ok since then. */
  succeededSince(module: string, since: number): Set<string> {
    const rows = this.sql.exec<{ tool: string }>("SELECT DISTINCT tool FROM calls WHERE tool >= ? AND tool < ? AND ok = 1 AND at >= ?", `${module}.`, `${module}/`, since);
    return new Set(rows.toArray().map((row) => row.tool));
  }

  /** A tool's failure share over the hours before `until`, leaving out hours judged by an open finding. */
  failureBaseline(tool: string, since: number, until: number): { calls: number; failed: number } {
    const row = this.sql
      .exec<{ calls: number | null; failed: number | null }>(
        "SELECT SUM(calls) AS calls, SUM(failed) AS failed FROM tool_hours WHERE tool = ? AND hour >= ? AND hour < ? AND flagged_failing = 0",
        tool,
        hourOf(since),
        hourOf(until),
      )
      .one();
    return { calls: row.calls ?? 0, failed: row.failed ?? 0 };
  }

  /** A tool's latencies over the hours before `until`, leaving out hours judged slow already. */
  latencyBaseline(tool: string, since: number, until: number): Histogram {
    const rows = this.sql.exec<{ latency: string }>(
      "SELECT latency FROM tool_hours WHERE tool = ? AND hour >= ? AND hour < ? AND flagged_slow = 0",
      tool,
      hourOf(since),
      hourOf(until),
    );
    return mergeHistograms(rows.toArray().map((row) => JSON.parse(row.latency) as Histogram));
  }

  /** Whether personas called the tool since then. */
  usedSince(tool: string, since: number): boolean {
    return this.sql.exec("SELECT 1 FROM tool_hours WHERE tool = ? AND hour >= ? LIMIT 1", tool, hourOf(since)).toArray().length > 0;
  }

  writeChecks(tool: string): Outcome[] {
    return this.#outcomes("SELECT * FROM checks WHERE tool = ? ORDER BY seq DESC LIMIT ?", tool, this.ring);
  }

  /** The module's write tools whose checks came back verified since then. */
  verifiedSince(module: string, since: number): Set<string> {
    const rows = this.sql.exec<{ tool: string }>("SELECT DISTINCT tool FROM checks WHERE tool >= ? AND tool < ? AND ok = 1 AND at >= ?", `${module}.`, `${module}/`, since);
    return new Set(rows.toArray().map((row) => row.tool));
  }

  setupAttempts(userId: string): SetupAttempt[] {
    return this.sql
      .exec<OutcomeRow & { stage: string | null; server: number }>("SELECT * FROM setups WHERE user_id = ? ORDER BY seq DESC LIMIT ?", userId, RING_FLOOR)
      .toArray()
      .map(setupOf);
  }

  /** Calls whose answer was lost on the way since then, newest first: mana-mcp's side, when many personas see it. */
  transportFailuresSince(since: number): Call[] {
    return this.sql
      .exec<CallRow>("SELECT * FROM calls WHERE ok = 0 AND origin = 'transport' AND at >= ? ORDER BY at DESC LIMIT ?", since, SETUP_FAILURES_READ)
      .toArray()
      .map(callOf);
  }

  /** Setup failures of every persona since then, newest first. */
  setupFailuresSince(since: number): SetupAttempt[] {
    return this.sql
      .exec<OutcomeRow & { stage: string | null; server: number }>("SELECT * FROM setups WHERE ok = 0 AND at >= ? ORDER BY at DESC LIMIT ?", since, SETUP_FAILURES_READ)
      .toArray()
      .map(setupOf);
  }

  /**
   * Personas whose newest attempt to start failed and that no outage or refusing stage has explained yet: when,
   * where and whether on the service's side, newest first. A persona leaves the list when it starts again or is
   * explained.
   */
  watchedSetups(limit = -1): { userId: string; at: number; stage?: string; server: boolean }[] {
    return this.sql
      .exec<{ user_id: string; at: number; stage: string | null; server: number }>("SELECT * FROM setup_watch ORDER BY at DESC LIMIT ?", limit)
      .toArray()
      .map((row) => ({ userId: row.user_id, at: row.at, ...(row.stage ? { stage: row.stage } : {}), server: row.server === 1 }));
  }

  /** A watched persona whose failures an outage or a refusing stage explains: judged no more. */
  unwatch(userId: string): void {
    this.sql.exec("DELETE FROM setup_watch WHERE user_id = ?", userId);
  }

  /** Runs of other personas that got through setup since then, counted up to `atMost` (all a rule asks). */
  othersStartedSince(userId: string, since: number, atMost: number): number {
    return this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM (SELECT 1 FROM setups WHERE at >= ? AND ok = 1 AND user_id != ? LIMIT ?)", since, userId, atMost)
      .one().n;
  }

  recordProbe(service: string, at: number, ok: boolean, error: string | undefined): void {
    this.sql.exec("INSERT INTO probes (service, at, ok, error) VALUES (?, ?, ?, ?)", service, at, ok ? 1 : 0, error ?? null);
    if (ok) this.#succeeded(service, at);
    this.#trim("probes", "service", service, PROBES_KEPT);
  }

  probes(service: string): Outcome[] {
    return this.sql
      .exec<{ at: number; ok: number; error: string | null }>("SELECT at, ok, error FROM probes WHERE service = ? ORDER BY seq DESC LIMIT ?", service, PROBES_KEPT)
      .toArray()
      .map((row) => ({ at: row.at, ok: row.ok === 1, ...(row.error ? { error: row.error } : {}), runId: "probe", userId: "", persona: `probe of ${service}` }));
  }

  /** When a run or a probe last got through to the service. */
  lastSuccess(service: string): number | undefined {
    return this.sql.exec<{ at: number }>("SELECT at FROM service_success WHERE service = ?", service).toArray()[0]?.at;
  }

  /** The persona's own recent runs, newest first, and the other personas' calls of the tools that failed for it. */
  personaCalls(userId: string, since: number): { runs: PersonaRun[]; others: Call[] } {
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
      failingTools: JSON.parse(row.tools) as string[],
      errors: JSON.parse(row.errors) as string[],
      runId: row.run_id,
      userId: row.user_id,
      persona: row.persona,
    }));
    const tools = unique(runs.flatMap((run) => run.failingTools));
    if (tools.length === 0) return { runs, others: [] };
    const marks = tools.map(() => "?").join(", ");
    const others = this.sql
      .exec<CallRow>(`SELECT * FROM calls WHERE tool IN (${marks}) AND user_id != ? AND at >= ? ORDER BY seq DESC LIMIT ?`, ...tools, userId, since, OTHERS_READ)
      .toArray()
      .map(callOf);
    return { runs, others };
  }

  /** Personas whose recent runs had app-side failures: the subjects of persona findings. */
  personasWithFailures(since: number): string[] {
    return this.sql
      // By time, not by the persona index SQLite would pick for DISTINCT: only the runs since then are read.
      .exec<{ user_id: string }>("SELECT DISTINCT user_id FROM persona_runs INDEXED BY persona_runs_failed_by_time WHERE failed > 0 AND at >= ?", since)
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

  /** Whether any run was ever recorded: no digest speaks for a runner that has not run anyone. */
  hasRuns(): boolean {
    return this.sql.exec("SELECT 1 FROM runs LIMIT 1").toArray().length > 0;
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
    for (const table of ["calls", "checks", "setups", "persona_runs", "runs", "probes"]) this.sql.exec(`DELETE FROM ${table} WHERE at < ?`, oldest);
    this.sql.exec("DELETE FROM tool_failures WHERE last_at < ?", oldest);
    this.sql.exec("DELETE FROM setup_watch WHERE at < ?", oldest);
    this.sql.exec("DELETE FROM tool_hours WHERE hour < ?", hourOf(oldest));
    this.sql.exec("DELETE FROM ratings WHERE at <= ?", now - RATINGS_KEPT_MS);
    this.sql.exec("DELETE FROM rating_days WHERE day < ?", isoDay(now - DAYS_KEPT * DAY));
  }

  /** Per tool and hour: calls judged for the app's health, the app's failures, the model's, and ok latencies. */
  #recordHours(run: RunEvidence, flagged: Flagged): void {
    const hour = hourOf(run.finishedAt);
    for (const tool of unique(run.calls.map((call) => call.tool))) {
      const calls = run.calls.filter((call) => call.tool === tool);
      const judged = calls.filter((call) => call.ok || APP_ORIGINS.has(call.origin ?? "app"));
      const failed = judged.filter((call) => !call.ok).length;
      const misused = calls.filter((call) => !call.ok && MODEL_ORIGINS.has(call.origin ?? "app")).length;
      const latency = histogramOf(calls.filter((call) => call.ok).map((call) => call.latencyMs));
      const existing = this.sql.exec<{ latency: string }>("SELECT latency FROM tool_hours WHERE tool = ? AND hour = ?", tool, hour).toArray()[0];
      const merged = existing ? mergeHistograms([JSON.parse(existing.latency) as Histogram, latency]) : latency;
      this.sql.exec(
        `INSERT INTO tool_hours VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tool, hour) DO UPDATE SET calls = calls + excluded.calls,
           failed = failed + excluded.failed, misused = misused + excluded.misused, flagged_failing = MAX(flagged_failing, excluded.flagged_failing),
           flagged_slow = MAX(flagged_slow, excluded.flagged_slow), latency = excluded.latency`,
        tool,
        hour,
        judged.length,
        failed,
        misused,
        flagged.failing.has(tool) ? 1 : 0,
        flagged.slow.has(tool) ? 1 : 0,
        JSON.stringify(merged),
      );
    }
  }

  /** When each tool last failed on the app's side, for the model's reasons, or in a read-after-write check. */
  #recordFailing(run: RunEvidence): void {
    const kinds = new Map<string, FailureKind>();
    for (const call of run.calls) {
      if (call.ok) continue;
      const origin = call.origin ?? "app";
      if (APP_ORIGINS.has(origin)) kinds.set(`${call.tool}|app`, "app");
      else if (MODEL_ORIGINS.has(origin)) kinds.set(`${call.tool}|model`, "model");
    }
    for (const check of run.checks) if (check.status === "missing" || check.status === "mismatch") kinds.set(`${check.tool}|invisible`, "invisible");
    for (const [key, kind] of kinds) {
      const tool = key.slice(0, key.lastIndexOf("|"));
      this.sql.exec("INSERT INTO tool_failures VALUES (?, ?, ?) ON CONFLICT (tool, kind) DO UPDATE SET last_at = MAX(last_at, excluded.last_at)", tool, kind, run.finishedAt);
    }
  }

  /**
   * A run that started got through every service; one that failed before it started got through those before its
   * stage. Both count for the services' health, and the start itself is evidence for a persona's setup finding.
   */
  #recordSetup(run: RunEvidence): void {
    const { setup } = run;
    const startedAt = run.startedAt ?? run.finishedAt;
    if (!setup || setup.stage === "mcp") this.#succeeded("mana-auth", setup ? run.finishedAt : startedAt);
    if (!setup) this.#succeeded("mana-mcp", startedAt);
    this.sql.exec(
      "INSERT INTO setups (user_id, at, ok, stage, server, error, run_id, persona) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      run.userId,
      run.finishedAt,
      setup ? 0 : 1,
      setup?.stage ?? null,
      setup?.server ? 1 : 0,
      setup ? `${setup.stage}: ${setup.error}` : null,
      run.runId,
      run.persona,
    );
    this.#trim("setups", "user_id", run.userId, RING_FLOOR);
    if (setup) this.sql.exec("INSERT OR REPLACE INTO setup_watch VALUES (?, ?, ?, ?)", run.userId, run.finishedAt, setup.stage, setup.server ? 1 : 0);
    else this.unwatch(run.userId);
  }

  #succeeded(service: string, at: number): void {
    this.sql.exec("INSERT INTO service_success VALUES (?, ?) ON CONFLICT (service) DO UPDATE SET at = MAX(at, excluded.at)", service, at);
  }

  #recordPersona(run: RunEvidence): void {
    const judged = run.calls.filter((call) => !call.verification && (call.ok || APP_ORIGINS.has(call.origin ?? "app")));
    if (judged.length === 0) return;
    const failed = judged.filter((call) => !call.ok);
    this.sql.exec(
      "INSERT INTO persona_runs (user_id, at, calls, failed, errors, tools, run_id, persona) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      run.userId,
      run.finishedAt,
      judged.length,
      failed.length,
      JSON.stringify(failed.slice(0, 5).map((call) => call.error ?? "")),
      JSON.stringify(unique(failed.map((call) => call.tool))),
      run.runId,
      run.persona,
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

function callOf(row: CallRow): Call {
  return {
    tool: row.tool,
    at: row.at,
    ok: row.ok === 1,
    ...(row.origin ? { origin: row.origin as Call["origin"] } : {}),
    latencyMs: row.latency_ms,
    ...(row.error ? { error: row.error } : {}),
    runId: row.run_id,
    userId: row.user_id,
    persona: row.persona,
  };
}

function setupOf(row: OutcomeRow & { stage: string | null; server: number }): SetupAttempt {
  return {
    at: row.at,
    ok: row.ok === 1,
    ...(row.error ? { error: row.error } : {}),
    runId: row.run_id,
    userId: row.user_id,
    persona: row.persona,
    ...(row.stage ? { stage: row.stage } : {}),
    server: row.server === 1,
  };
}

/** Adds columns a table created by an older release lacks; answers whether it added any. */
function addColumns(sql: SqlStorage, table: string, columns: readonly string[]): boolean {
  const existing = new Set(sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().map((row) => row.name));
  const missing = columns.filter((column) => !existing.has(column.split(" ")[0] ?? column));
  for (const column of missing) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
  return missing.length > 0;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

const hourOf = (ms: number) => Math.floor(ms / HOUR);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

