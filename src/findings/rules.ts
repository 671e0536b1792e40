/**
 * @module
 * When each kind of finding holds, as pure functions of the recent evidence: a tool failing, a write not
 * visible, one persona's calls failing where others' succeed, a module's rating dropping, a persona failing
 * before its run starts. Each verdict carries its counts, error signatures and example runs.
 */
import type { Config } from "../config";
import { signatureOf } from "./signature";

export type FindingKind = "tool-failing" | "write-not-visible" | "persona-tools-failing" | "rating-drop" | "setup-failing";

export interface FindingRules {
  windowMs: number;
  recoveryMs: number;
  /** Calls or checks needed before a share means anything; the newest twice as many are judged. */
  minEvidence: number;
  errorShare: number;
  ratingDrop: number;
  minRatings: number;
  setupFailures: number;
}

export function rulesOf(config: Config): FindingRules {
  return {
    windowMs: config.FINDING_WINDOW_HOURS * 3_600_000,
    recoveryMs: config.FINDING_RECOVERY_MINUTES * 60_000,
    minEvidence: config.FINDING_MIN_EVIDENCE,
    errorShare: config.FINDING_ERROR_SHARE,
    ratingDrop: config.FINDING_RATING_DROP,
    minRatings: config.FINDING_MIN_RATINGS,
    setupFailures: config.FINDING_SETUP_FAILURES,
  };
}

/** One piece of evidence: a call, a check, a run's start; newest first wherever a list of them is passed. */
export interface Outcome {
  at: number;
  ok: boolean;
  error?: string;
  runId: string;
  userId: string;
  persona: string;
}

export interface Example {
  runId: string;
  userId: string;
  persona: string;
  at: number;
}

export interface Verdict {
  holds: boolean;
  title: string;
  summary: string;
  counts: Record<string, number>;
  signatures: { signature: string; count: number }[];
  examples: Example[];
}

const TOP = 5;
const DAY = 24 * 3_600_000;

export function toolFailing(tool: string, outcomes: readonly Outcome[], rules: FindingRules, now: number): Verdict {
  const recent = recentOf(outcomes, rules, now);
  const failed = recent.filter((outcome) => !outcome.ok);
  const holds = recent.length >= rules.minEvidence && failed.length / recent.length >= rules.errorShare;
  return verdict(holds, `${tool} is failing`, `${failed.length} of the last ${recent.length} calls of ${tool} failed`, { calls: recent.length, failed: failed.length }, failed);
}

export function writeNotVisible(tool: string, checks: readonly Outcome[], rules: FindingRules, now: number): Verdict {
  const recent = recentOf(checks, rules, now);
  const invisible = recent.filter((check) => !check.ok);
  const holds = recent.length >= rules.minEvidence && invisible.length / recent.length >= rules.errorShare;
  const summary = `${invisible.length} of the last ${recent.length} writes of ${tool} that answered ok were missing or different when read back`;
  return verdict(holds, `${tool} writes are not visible in reads`, summary, { checks: recent.length, notVisible: invisible.length }, invisible);
}

/** One run's calls of one persona, as the findings keep them. */
export interface PersonaRun {
  at: number;
  calls: number;
  failed: number;
  /** The failed calls' errors, the first few. */
  errors: string[];
  runId: string;
  userId: string;
  persona: string;
}

/**
 * One persona's calls fail while the same tools work for the others: the persona's account, not the app. Whole
 * runs are judged, newest first, until they hold twice the minimum of calls.
 */
export function personaToolsFailing(persona: string, runs: readonly PersonaRun[], others: readonly Outcome[], rules: FindingRules, now: number): Verdict {
  const recent: PersonaRun[] = [];
  for (const run of runs.filter((each) => each.at >= now - rules.windowMs)) {
    recent.push(run);
    if (recent.reduce((sum, each) => sum + each.calls, 0) >= rules.minEvidence * 2) break;
  }
  const calls = recent.reduce((sum, run) => sum + run.calls, 0);
  const failed = recent.reduce((sum, run) => sum + run.failed, 0);
  const theirs = others.filter((outcome) => outcome.at >= now - rules.windowMs);
  const theirsFailed = theirs.filter((outcome) => !outcome.ok).length;
  const outlier = theirs.length >= rules.minEvidence && theirsFailed / theirs.length < rules.errorShare;
  const holds = outlier && calls >= rules.minEvidence && failed / calls >= rules.errorShare;
  const summary = `${failed} of ${persona}'s last ${calls} calls failed, while the same tools failed in ${theirsFailed} of ${theirs.length} calls of other personas`;
  const failing = recent.flatMap((run) => run.errors.map((error) => ({ at: run.at, ok: false, error, runId: run.runId, userId: run.userId, persona: run.persona })));
  return verdict(holds, `${persona}'s calls are failing`, summary, { calls, failed, othersCalls: theirs.length, othersFailed: theirsFailed }, failing);
}

export interface RatingWindow {
  sum: number;
  count: number;
}

/** One persona's ratings of a module: the last day's against its own seven days before. */
export interface RatingPair {
  userId: string;
  persona: string;
  /** A run of the last day, as an example. */
  runId: string;
  lastDay: RatingWindow;
  trailing: RatingWindow;
}

/**
 * The personas who rated the module both over the last day and in the seven days before, each against itself:
 * holds when enough of them rate it lower by at least the threshold on average.
 */
export function ratingDrop(module: string, pairs: readonly RatingPair[], rules: FindingRules, now: number): Verdict {
  const paired = pairs.filter((pair) => pair.lastDay.count > 0 && pair.trailing.count > 0);
  const mean = (window: RatingWindow) => window.sum / window.count;
  const deltas = paired.map((pair) => mean(pair.lastDay) - mean(pair.trailing));
  const drop = deltas.length > 0 ? -deltas.reduce((sum, delta) => sum + delta, 0) / deltas.length : 0;
  const holds = paired.length >= rules.minRatings && drop >= rules.ratingDrop;
  const average = (pick: (pair: RatingPair) => RatingWindow) => (paired.length > 0 ? paired.reduce((sum, pair) => sum + mean(pick(pair)), 0) / paired.length : 0);
  const summary =
    `${paired.length} personas rated ${module} ${drop.toFixed(2)} lower on average over the last day than over the seven days before ` +
    `(${average((pair) => pair.lastDay).toFixed(2)} against ${average((pair) => pair.trailing).toFixed(2)})`;
  const lower = paired
    .filter((_, index) => (deltas[index] ?? 0) < 0)
    .map((pair) => ({ at: now, ok: false, runId: pair.runId, userId: pair.userId, persona: pair.persona }));
  return verdict(holds, `${module} ratings dropped`, summary, { personas: paired.length }, lower);
}

/**
 * Judging a module's rating drop reads every rater's eight days, so with many raters it waits for a share of them:
 * a judgement per rating up to a hundred raters, then one per hundredth of the raters. The heartbeat judges what
 * waits, so a module costs at most one full judgement a minute plus one per hundredth of its raters' ratings.
 */
export function ratingJudgementDue(ratingsSinceJudged: number, raters: number): boolean {
  return ratingsSinceJudged >= Math.max(1, Math.ceil(raters / RATERS_PER_JUDGEMENT));
}

const RATERS_PER_JUDGEMENT = 100;

export function setupFailing(persona: string, attempts: readonly Outcome[], rules: FindingRules, now: number): Verdict {
  const latest = attempts.filter((attempt) => attempt.at >= now - Math.max(rules.windowMs, DAY)).slice(0, rules.setupFailures);
  const holds = latest.length >= rules.setupFailures && latest.every((attempt) => !attempt.ok);
  const failed = latest.filter((attempt) => !attempt.ok);
  const summary = `the last ${latest.length} runs of ${persona} failed before they started`;
  return verdict(holds, `${persona} fails before its runs start`, summary, { attempts: latest.length, failed: failed.length }, failed);
}

function recentOf(outcomes: readonly Outcome[], rules: FindingRules, now: number): Outcome[] {
  return outcomes.filter((outcome) => outcome.at >= now - rules.windowMs).slice(0, rules.minEvidence * 2);
}

function verdict(holds: boolean, title: string, summary: string, counts: Record<string, number>, failing: readonly Outcome[]): Verdict {
  return { holds, title, summary, counts, signatures: signatures(failing), examples: examples(failing) };
}

function signatures(failing: readonly Outcome[]): Verdict["signatures"] {
  const counts = new Map<string, number>();
  for (const outcome of failing) {
    if (!outcome.error) continue;
    const signature = signatureOf(outcome.error);
    counts.set(signature, (counts.get(signature) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([signature, count]) => ({ signature, count }));
}

function examples(failing: readonly Outcome[]): Example[] {
  const seen = new Set<string>();
  const picked: Example[] = [];
  for (const { runId, userId, persona, at } of failing) {
    if (seen.has(runId)) continue;
    seen.add(runId);
    picked.push({ runId, userId, persona, at });
    if (picked.length === TOP) break;
  }
  return picked;
}
