/**
 * @module
 * Is a share of bad outcomes unusual? Against the subject's own baseline, with Wilson bounds so a handful of
 * calls proves less than many, and with hysteresis: a finding opens when the share is surely above the
 * baseline by a margin, and clears only once the share is back near the baseline or the newest outcomes are all
 * good (the recovery period then decides: one failure within it and the finding stays open).
 */
import { wilson } from "./stats";

export interface ShareRules {
  /** Outcomes needed before a share means anything. */
  minEvidence: number;
  /** Distinct runs the bad outcomes must come from: one run never opens a finding on its own. */
  minRuns: number;
  /** Opens when the share's Wilson lower bound exceeds the baseline by this much. */
  openMargin: number;
  /** An open finding clears once the share itself is within this much of the baseline. */
  clearMargin: number;
}

export interface ShareInput {
  bad: number;
  total: number;
  /** Distinct runs among the bad outcomes. */
  badRuns: number;
  /** The newest outcomes, as many as minEvidence, are all good: a recovery shows at once, not once the window forgets. */
  recovered: boolean;
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
  share: number;
  lower: number;
  upper: number;
}

/** `open`: the subject's finding is open, so it holds until the share is back near the baseline (hysteresis). */
export function judgeShare(input: ShareInput, levels: Levels, rules: ShareRules, open: boolean): ShareJudgement {
  const { bad, total, badRuns, recovered, latestBad } = input;
  const { lower, upper } = wilson(bad, total);
  const share = total > 0 ? bad / total : 0;
  const enough = total >= rules.minEvidence && badRuns >= rules.minRuns;
  const holds = enough && (open ? share > levels.clearAtOrBelow && !recovered : latestBad && lower > levels.openAbove);
  return { holds, share, lower, upper };
}

/** The baseline share from earlier hours, or the default while there is too little history to say. */
export function baselineShare(bad: number, total: number, minTotal: number, fallback: number): number {
  return total >= minTotal ? bad / total : fallback;
}

/** Whether the newest `count` outcomes (newest first) are all good. */
export function recoveredOf(outcomes: readonly { ok: boolean }[], count: number): boolean {
  return outcomes.length >= count && outcomes.slice(0, count).every((outcome) => outcome.ok);
}
