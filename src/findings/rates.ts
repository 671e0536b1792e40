/**
 * @module
 * Is a share of bad outcomes unusual? Against the subject's own baseline, with Wilson bounds so a handful of
 * calls proves less than many, and with hysteresis: a finding opens when the share is surely above the baseline
 * by a margin, clears once the share is back near the baseline or a run of good outcomes says it recovered, and is
 * settled (may resolve once the recovery period has passed) only after a longer run of them. How long a run
 * depends on how the subject failed before it: were it still failing at the share it showed (its Wilson lower
 * bound), a run that long would happen by chance once in a hundred times to clear, once in a thousand to settle.
 * A tool that failed every call has recovered after a few good ones; one failing a random 35 % shows short runs of
 * successes all the time, and takes up to half a window in a row to clear and three quarters to settle. A share
 * back near the baseline over enough outcomes clears and settles too: a tool that fails 30 % as a rule rarely
 * shows fifteen good calls in a row, and need not.
 */
import { wilson } from "./stats";

/** The chance that a failure still going on shows the run of good outcomes that clears, and that settles, it. */
const CLEAR_CHANCE = 0.01;
const SETTLE_CHANCE = 0.001;
/** One good outcome proves little, however badly the subject failed before it. */
const MIN_STREAK = 2;

export interface ShareRules {
  /** Outcomes needed before a share means anything. */
  minEvidence: number;
  /** Distinct runs the bad outcomes must come from: one run never opens a finding on its own. */
  minRuns: number;
  /** Opens when the share's Wilson lower bound exceeds the baseline by this much. */
  openMargin: number;
  /** An open finding clears once the share itself is within this much of the baseline. */
  clearMargin: number;
  /** The newest outcomes judged; the runs of good outcomes that clear and settle are shares of it. */
  windowCalls: number;
}

export interface ShareInput {
  bad: number;
  total: number;
  /** Distinct runs among the bad outcomes. */
  badRuns: number;
  /** Good outcomes in a row, newest first: a recovery shows in them at once, not once the window forgets. */
  streak: number;
  /** The newest outcome was bad: a finding opens while its failure is happening, not once it is over. */
  latestBad: boolean;
}

/** Opens when the share is surely above `openAbove` (its Wilson lower bound); clears at or below `clearAtOrBelow`. */
export interface Levels {
  openAbove: number;
  clearAtOrBelow: number;
}

/** The levels of a share judged against its usual value. */
export function levelsAbove(baseline: number, rules: ShareRules): Levels {
  return { openAbove: baseline + rules.openMargin, clearAtOrBelow: baseline + rules.clearMargin };
}

export interface ShareJudgement {
  holds: boolean;
  /** Enough good outcomes in a row (or no outcomes left at all) that an open finding may resolve. */
  settled: boolean;
  share: number;
  lower: number;
  upper: number;
}

/** `open`: the subject's finding is open, so it holds until the share is back near the baseline (hysteresis). */
export function judgeShare(input: ShareInput, levels: Levels, rules: ShareRules, open: boolean): ShareJudgement {
  const { bad, total, badRuns, streak, latestBad } = input;
  const { lower, upper } = wilson(bad, total);
  const share = total > 0 ? bad / total : 0;
  const enough = total >= rules.minEvidence && badRuns >= rules.minRuns;
  const holds = enough && (open ? share > levels.clearAtOrBelow && streak < streakNeeded(input, CLEAR_CHANCE, clearStreak(rules)) : latestBad && lower > levels.openAbove);
  const back = total >= rules.minEvidence && share <= levels.clearAtOrBelow;
  return { holds, settled: total === 0 || back || streak >= streakNeeded(input, SETTLE_CHANCE, settleStreak(rules)), share, lower, upper };
}

/**
 * Good outcomes in a row that a failure still going on, at the share the outcomes before them show, would produce
 * with at most `chance`; at most `most`.
 */
function streakNeeded(input: Pick<ShareInput, "bad" | "total" | "streak">, chance: number, most: number): number {
  const { lower } = wilson(input.bad, input.total - input.streak);
  if (lower <= 0) return most;
  if (lower >= 1) return MIN_STREAK;
  return Math.min(most, Math.max(MIN_STREAK, Math.ceil(Math.log(chance) / Math.log(1 - lower))));
}

/** Good outcomes in a row that clear an open finding, and that settle it, however the subject failed before. */
export const clearStreak = (rules: Pick<ShareRules, "windowCalls">) => Math.ceil(rules.windowCalls / 2);
export const settleStreak = (rules: Pick<ShareRules, "windowCalls">) => Math.ceil((rules.windowCalls * 3) / 4);

/** The baseline share from earlier hours, or the default while there is too little history to say. */
export function baselineShare(bad: number, total: number, minTotal: number, fallback: number): number {
  return total >= minTotal ? bad / total : fallback;
}

/** Good outcomes in a row, counted from the newest (outcomes newest first). */
export function streakOf(outcomes: readonly { ok: boolean }[]): number {
  const firstBad = outcomes.findIndex((outcome) => !outcome.ok);
  return firstBad === -1 ? outcomes.length : firstBad;
}
