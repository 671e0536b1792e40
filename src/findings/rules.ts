/**
 * @module
 * When each kind of finding holds, as pure functions of the recent evidence: a tool failing or slow against its
 * own baseline, a tool the model keeps calling wrong, writes not visible in reads, one persona failing where the
 * others do not, a service down before runs start, a module's ratings dropping. Each verdict carries its counts,
 * error signatures and example runs; `open` says the finding is open already, so the rule applies its hysteresis.
 */
import type { Config } from "../config";
import { MODEL_ORIGINS, type Origin } from "./classify";
import { clearStreak, judgeShare, levelsAbove, settleStreak, type ShareRules, streakOf } from "./rates";
import { countOf, type Histogram, quantile, sampleQuantile, wilson } from "./stats";
import { distinct, listed, type Outcome, PERSONAS_LISTED, type Verdict, verdictOf } from "./verdict";

export type FindingKind =
  | "service-down"
  | "tool-failing"
  | "tool-slow"
  | "tool-misused"
  | "write-not-visible"
  | "persona-tools-failing"
  | "setup-failing"
  | "tool-gone"
  | "tool-changed"
  | "rating-drop";

export const FINDING_KINDS: readonly FindingKind[] = [
  "service-down",
  "tool-failing",
  "tool-slow",
  "tool-misused",
  "write-not-visible",
  "persona-tools-failing",
  "setup-failing",
  "tool-gone",
  "tool-changed",
  "rating-drop",
];

/** How far back baselines, resolved findings and usage reach. */
export const WEEK_MS = 7 * 24 * 3_600_000;

export interface FindingRules extends ShareRules {
  windowMs: number;
  recoveryMs: number;
  /** The newest this many calls of a tool are judged. */
  windowCalls: number;
  /** History before the judged calls that a tool's baseline is taken from. */
  baselineMs: number;
  /** A tool's assumed failure share until its baseline holds this many calls. */
  defaultBaseline: number;
  minBaselineCalls: number;
  /** A persona's failure share must exceed the others' on the same tools by this much, both bounds taken. */
  outlierMargin: number;
  misuseShare: number;
  slowFactor: number;
  slowMinIncreaseMs: number;
  slowAbsoluteMs: number;
  outageMs: number;
  reopenMs: number;
  attributionMs: number;
  /** A changed schema is the new normal after this long. */
  settleMs: number;
  ratingDrop: number;
  minRatings: number;
  setupFailures: number;
}

export function rulesOf(config: Config): FindingRules {
  return {
    windowMs: config.FINDING_WINDOW_HOURS * 3_600_000,
    recoveryMs: config.FINDING_RECOVERY_MINUTES * 60_000,
    minEvidence: config.FINDING_MIN_EVIDENCE,
    minRuns: config.FINDING_MIN_RUNS,
    openMargin: config.FINDING_OPEN_MARGIN,
    clearMargin: config.FINDING_CLEAR_MARGIN,
    windowCalls: config.FINDING_WINDOW_CALLS,
    baselineMs: WEEK_MS,
    defaultBaseline: config.FINDING_BASELINE_SHARE,
    minBaselineCalls: config.FINDING_WINDOW_CALLS,
    outlierMargin: config.FINDING_OUTLIER_MARGIN,
    misuseShare: config.FINDING_MISUSE_SHARE,
    slowFactor: config.FINDING_SLOW_FACTOR,
    slowMinIncreaseMs: config.FINDING_SLOW_MIN_INCREASE_MS,
    slowAbsoluteMs: config.FINDING_SLOW_ABSOLUTE_MS,
    outageMs: config.FINDING_OUTAGE_MINUTES * 60_000,
    reopenMs: config.FINDING_REOPEN_HOURS * 3_600_000,
    attributionMs: config.FINDING_ATTRIBUTION_MINUTES * 60_000,
    settleMs: config.FINDING_SURFACE_SETTLE_HOURS * 3_600_000,
    ratingDrop: config.FINDING_RATING_DROP,
    minRatings: config.FINDING_MIN_RATINGS,
    setupFailures: config.FINDING_SETUP_FAILURES,
  };
}

/** One call that reached mana-mcp: `origin` says where its error came from (src/findings/classify.ts). */
export interface Call extends Outcome {
  tool: string;
  origin?: Origin;
  latencyMs: number;
}

/** Failures that are the app's: its handlers, and calls that never answered. The model's and the wire's are not. */
export const APP_ORIGINS: ReadonlySet<Origin> = new Set(["app", "timeout"]);

const pct = (share: number) => `${Math.round(share * 100)} %`;

/** Calls the app's health is judged on: answered ok, or failed on the app's side. */
function appCalls(calls: readonly Call[], rules: FindingRules, now: number, open = false): Call[] {
  return calls.filter((call) => call.at >= now - windowOf(rules, open) && (call.ok || APP_ORIGINS.has(call.origin ?? "app"))).slice(0, rules.windowCalls);
}

/**
 * How far back evidence counts: the window for opening; for an open finding the whole baseline week, so a tool
 * nobody called for a day stays open (nothing says it recovered) instead of resolving as its failures age out.
 */
function windowOf(rules: FindingRules, open: boolean): number {
  return open ? Math.max(rules.windowMs, rules.baselineMs) : rules.windowMs;
}

/** The newest outcome (newest first) was bad. */
function latestBad(outcomes: readonly { ok: boolean }[]): boolean {
  return outcomes[0]?.ok === false;
}

/**
 * A tool fails more often than it usually does. Failures of one persona alone, while others have called the tool
 * fine since they began, are that persona's (personaToolsFailing), not the tool's.
 */
export function toolFailing(tool: string, calls: readonly Call[], baseline: number, rules: FindingRules, open: boolean, now: number): Verdict {
  const judged = appCalls(calls, rules, now, open);
  const failed = judged.filter((call) => !call.ok);
  const failingPersonas = distinct(failed.map((call) => call.userId));
  const since = Math.min(...failed.map((call) => call.at));
  const onlyOnePersona = failingPersonas.length === 1 && judged.some((call) => call.ok && call.userId !== failingPersonas[0] && call.at >= since);
  const input = { bad: failed.length, total: judged.length, badRuns: distinct(failed.map((call) => call.runId)).length, streak: streakOf(judged), latestBad: latestBad(judged) };
  const share = judgeShare(input, levelsAbove(baseline, rules), rules, open);
  const holds = share.holds && (open || !onlyOnePersona);
  const summary = `${failed.length} of the last ${judged.length} calls of ${tool} failed (usually ${pct(baseline)})`;
  return verdictOf(holds, `${tool} is failing`, summary, { calls: judged.length, failed: failed.length }, failed, {
    settled: share.settled,
    tools: [tool],
    personas: distinct(failed.map((call) => call.persona)).slice(0, PERSONAS_LISTED),
  });
}

/** Writes that answered ok but read back missing or different: the read-after-write checks of one write tool. */
export function writeNotVisible(tool: string, checks: readonly Outcome[], rules: FindingRules, open: boolean, now: number): Verdict {
  const judged = checks.filter((check) => check.at >= now - windowOf(rules, open)).slice(0, rules.windowCalls);
  const invisible = judged.filter((check) => !check.ok);
  const input = { bad: invisible.length, total: judged.length, badRuns: distinct(invisible.map((check) => check.runId)).length, streak: streakOf(judged), latestBad: latestBad(judged) };
  const share = judgeShare(input, levelsAbove(0, rules), rules, open);
  const summary = `${invisible.length} of the last ${judged.length} writes of ${tool} that answered ok were missing or different when read back`;
  return verdictOf(share.holds, `${tool} writes are not visible in reads`, summary, { checks: judged.length, notVisible: invisible.length }, invisible, {
    settled: share.settled,
    tools: [tool],
    personas: distinct(invisible.map((check) => check.persona)).slice(0, PERSONAS_LISTED),
  });
}

/**
 * The model keeps calling a tool wrong: arguments its schema refuses, ids that do not exist, calls past mana-mcp's
 * rate limit. A usability defect of the tool's description or schema for agents, not an outage.
 */
export function toolMisused(tool: string, calls: readonly Call[], rules: FindingRules, open: boolean, now: number): Verdict {
  const judged = calls.filter((call) => call.at >= now - windowOf(rules, open) && (call.ok || call.origin !== "transport")).slice(0, rules.windowCalls);
  const misused = judged.filter((call) => !call.ok && MODEL_ORIGINS.has(call.origin ?? "app"));
  const levels = { openAbove: rules.misuseShare, clearAtOrBelow: rules.misuseShare / 2 };
  const good = judged.map((call) => ({ ok: call.ok || !MODEL_ORIGINS.has(call.origin ?? "app") }));
  const input = { bad: misused.length, total: judged.length, badRuns: distinct(misused.map((call) => call.runId)).length, streak: streakOf(good), latestBad: latestBad(good) };
  const share = judgeShare(input, levels, rules, open);
  const summary = `${misused.length} of the last ${judged.length} calls of ${tool} were refused for the model's arguments or ids`;
  return verdictOf(share.holds, `${tool} is called wrong by the model`, summary, { calls: judged.length, misused: misused.length }, misused, {
    settled: share.settled,
    tools: [tool],
  });
}

/** Latencies of a tool's newest successful calls against its baseline's, in p50 and p90. */
export function toolSlow(tool: string, calls: readonly Call[], baseline: Histogram, rules: FindingRules, open: boolean, now: number): Verdict {
  const judged = calls.filter((call) => call.ok && call.at >= now - windowOf(rules, open)).slice(0, rules.windowCalls);
  const latencies = judged.map((call) => call.latencyMs);
  const p50 = sampleQuantile(latencies, 0.5) ?? 0;
  const p90 = sampleQuantile(latencies, 0.9) ?? 0;
  // A few calls from a tool's first hour are no baseline: until it holds enough, only the absolute ceiling counts.
  const known = countOf(baseline) >= rules.minBaselineCalls;
  const b50 = known ? quantile(baseline, 0.5) : undefined;
  const b90 = known ? quantile(baseline, 0.9) : undefined;
  // Hysteresis: an open finding clears only once the tool is back within half the opening distance.
  const factor = open ? (1 + rules.slowFactor) / 2 : rules.slowFactor;
  const increase = open ? rules.slowMinIncreaseMs / 2 : rules.slowMinIncreaseMs;
  const slower = (recent: number, usual: number | undefined) => usual !== undefined && recent >= usual * factor && recent - usual >= increase;
  const absolute = p50 >= (open ? rules.slowAbsoluteMs / 2 : rules.slowAbsoluteMs);
  const enough = judged.length >= rules.minEvidence && distinct(judged.map((call) => call.runId)).length >= rules.minRuns;
  // An open finding clears at once when the newest calls are all back within the clearing distance.
  const fast = streakOf(judged.map((call) => ({ ok: !slower(call.latencyMs, b50) && call.latencyMs < rules.slowAbsoluteMs / 2 })));
  const holds = enough && !(open && fast >= clearStreak(rules)) && (slower(p50, b50) || slower(p90, b90) || absolute);
  const usual = b50 === undefined ? "no baseline yet" : `usually p50 ${b50} ms, p90 ${b90} ms`;
  const summary = `the last ${judged.length} calls of ${tool} took p50 ${p50} ms, p90 ${p90} ms (${usual})`;
  const slow = judged.filter((call) => call.latencyMs >= p50);
  return verdictOf(holds, `${tool} is slow`, summary, { calls: judged.length, p50Ms: p50, p90Ms: p90, baselineP50Ms: b50 ?? 0, baselineP90Ms: b90 ?? 0 }, slow, {
    settled: judged.length === 0 || fast >= settleStreak(rules),
    tools: [tool],
  });
}

/** One run's calls of one persona, as the findings keep them. */
export interface PersonaRun {
  at: number;
  /** Calls judged for the app's health (ok, or failed on the app's side). */
  calls: number;
  failed: number;
  /** The tools whose calls failed on the app's side in this run. */
  failingTools: string[];
  /** The failed calls' errors, the first few. */
  errors: string[];
  runId: string;
  userId: string;
  persona: string;
}

/**
 * One persona's calls fail where the others' calls of the same tools do not (an account without a vault, a
 * persona's broken data): the persona's share, sure from below, must exceed the others' share on the tools that
 * failed for it, sure from above, by the outlier margin. A persona that merely uses a broken module more is no outlier.
 */
export function personaToolsFailing(persona: string, runs: readonly PersonaRun[], others: readonly Call[], rules: FindingRules, open: boolean, now: number): Verdict {
  const recent: PersonaRun[] = [];
  for (const run of runs.filter((each) => each.at >= now - windowOf(rules, open))) {
    recent.push(run);
    if (recent.reduce((sum, each) => sum + each.calls, 0) >= rules.windowCalls) break;
  }
  const calls = recent.reduce((sum, run) => sum + run.calls, 0);
  const failed = recent.reduce((sum, run) => sum + run.failed, 0);
  const tools = new Set(recent.flatMap((run) => run.failingTools));
  const theirs = appCalls(others.filter((call) => tools.has(call.tool)), { ...rules, windowCalls: Number.MAX_SAFE_INTEGER }, now);
  const theirsFailed = theirs.filter((call) => !call.ok).length;
  const enough = calls >= rules.minEvidence && recent.filter((run) => run.failed > 0).length >= rules.minRuns && theirs.length >= rules.minEvidence && (open || (recent[0]?.failed ?? 0) > 0);
  const clean = cleanCalls(recent);
  const gap = open
    ? clean < clearStreak(rules) && failed / Math.max(1, calls) - theirsFailed / Math.max(1, theirs.length) >= rules.outlierMargin / 2
    : wilson(failed, calls).lower - wilson(theirsFailed, theirs.length).upper >= rules.outlierMargin;
  const summary =
    `${failed} of ${persona}'s last ${calls} calls failed, while other personas' calls of the same tools ` +
    `(${listed([...tools])}) failed ${theirsFailed} of ${theirs.length} times`;
  const failing = recent.flatMap((run) => run.errors.map((error) => ({ at: run.at, ok: false, error, runId: run.runId, userId: run.userId, persona: run.persona })));
  return verdictOf(enough && gap, `${persona}'s calls are failing`, summary, { calls, failed, othersCalls: theirs.length, othersFailed: theirsFailed }, failing, {
    settled: recent.length === 0 || clean >= settleStreak(rules),
    tools: [...tools],
    personas: [persona],
  });
}

/** Calls of the persona's newest runs without a failure, counted back to its newest run that had one. */
function cleanCalls(runs: readonly PersonaRun[]): number {
  let clean = 0;
  for (const run of runs) {
    if (run.failed > 0) return clean;
    clean += run.calls;
  }
  return clean;
}

/** One attempt to start a run: `server` when it failed on the service's side (5xx, timeout, unreachable). */
export interface SetupAttempt extends Outcome {
  stage?: string;
  server?: boolean;
}

/** The service a setup stage talks to. */
export function serviceOf(stage: string | undefined): "mana-auth" | "mana-mcp" {
  return stage === "mcp" ? "mana-mcp" : "mana-auth";
}

/**
 * A persona's runs keep failing before they start, while the others' runs start: its account, not the service.
 * `othersStarted` counts other personas' runs that got through setup since this persona's failures began.
 */
export function setupFailing(persona: string, attempts: readonly SetupAttempt[], othersStarted: number, rules: FindingRules, now: number): Verdict {
  const latest = attempts.filter((attempt) => attempt.at >= now - Math.max(rules.windowMs, 24 * 3_600_000)).slice(0, rules.setupFailures);
  const failed = latest.filter((attempt) => !attempt.ok);
  const holds = latest.length >= rules.setupFailures && failed.length === latest.length && othersStarted >= rules.minRuns;
  const summary = `the last ${latest.length} runs of ${persona} failed before they started, while ${othersStarted} runs of other personas started`;
  return verdictOf(holds, `${persona} fails before its runs start`, summary, { attempts: latest.length, failed: failed.length, othersStarted }, failed, {
    personas: [persona],
  });
}

/**
 * A service the runner depends on is down: runs of several personas failed on its side within minutes (or one did
 * and a probe of the service failed too), and nothing has got through since. The personas back off, so the finding
 * rests on the failures and the probes, and clears once a run or a probe gets through.
 */
export function serviceDown(
  service: string,
  failures: readonly SetupAttempt[],
  probes: readonly Outcome[],
  lastSuccessAt: number | undefined,
  rules: FindingRules,
  open: boolean,
  now: number,
): Verdict {
  const latestFailure = failures[0]?.at ?? 0;
  const recovered = lastSuccessAt !== undefined && lastSuccessAt > latestFailure;
  const recent = failures.filter((failure) => failure.at >= now - rules.outageMs);
  const personas = distinct(recent.map((failure) => failure.persona));
  const failedProbes = probes.filter((probe) => !probe.ok && probe.at >= latestFailure && probe.at >= now - rules.outageMs);
  const confirmed = personas.length >= rules.minRuns || (personas.length >= 1 && failedProbes.length >= 1);
  const holds = !recovered && (open ? failedProbes.length > 0 || recent.length > 0 || confirmed : confirmed);
  const evidence = open && recent.length === 0 ? failures.slice(0, 20) : recent;
  const summary = `${evidence.length} runs of ${personas.length || distinct(evidence.map((f) => f.persona)).length} personas failed on ${service}'s side` + (failedProbes.length > 0 ? `, and ${failedProbes.length} probes of ${service} failed` : "");
  return verdictOf(holds, `${service} is down`, summary, { failedRuns: evidence.length, personas: distinct(evidence.map((f) => f.persona)).length, failedProbes: failedProbes.length }, evidence, {
    personas: distinct(evidence.map((failure) => failure.persona)).slice(0, PERSONAS_LISTED),
  });
}

/**
 * Runs of several personas fail at the same stage with the same kind of refusal (not an outage: a 401 at login
 * for everyone is a wrong PERSONA_SEED_SECRET), and nobody has got past that stage since: one finding for all.
 */
export function setupRejected(stage: string, failures: readonly SetupAttempt[], lastPassedAt: number | undefined, rules: FindingRules, now: number): Verdict {
  const recent = failures.filter((failure) => failure.stage === stage && !failure.server && failure.at >= now - rules.windowMs);
  const personas = distinct(recent.map((failure) => failure.persona));
  const earliest = Math.min(...recent.map((failure) => failure.at));
  const holds = personas.length >= rules.minRuns && (lastPassedAt === undefined || lastPassedAt < earliest);
  const summary = `${recent.length} runs of ${personas.length} personas failed at ${stage} and no run got past it since`;
  return verdictOf(holds, `runs of every persona fail at ${stage}`, summary, { failedRuns: recent.length, personas: personas.length }, recent, {
    personas: personas.slice(0, PERSONAS_LISTED),
  });
}

/** A tool the personas used is no longer in mana-mcp's tools/list. */
export function toolGone(tool: string, gone: boolean, since: number | undefined, usedRecently: boolean): Verdict {
  const when = since === undefined ? "" : ` since ${new Date(since).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const summary = `${tool} is no longer offered by mana-mcp${when}; personas had been calling it`;
  return verdictOf(gone && usedRecently, `${tool} is gone from mana-mcp`, summary, {}, [], { tools: [tool] });
}

/** A tool's input schema differs from the one personas have been using, until it has been in force long enough. */
export function toolChanged(tool: string, changed: boolean, diff: readonly string[]): Verdict {
  const summary = `${tool}'s input schema changed: ${diff.join("; ") || "details unknown"}`;
  return verdictOf(changed, `${tool}'s input schema changed`, summary, { fields: diff.length }, [], { tools: [tool] });
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
  return verdictOf(holds, `${module} ratings dropped`, summary, { personas: paired.length }, lower, { personas: lower.map((pair) => pair.persona).slice(0, PERSONAS_LISTED) });
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
