/**
 * @module
 * What a finding says about its evidence: a title, a one-line summary, counts, the errors reduced to signatures
 * with their counts, example runs an operator can open, and (for causes) the tools and personas affected.
 */
import { signatureOf } from "./signature";

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
  /** The tools a cause covers (a module's, or those failing alike). */
  tools?: string[];
  /**
   * A grouped cause's tools that held on their own while it was open, those recovered since included: each must
   * settle before the finding resolves.
   */
  covered?: string[];
  /**
   * A grouped cause's errors (each without the tool's own name) while it was open, those of recovered tools
   * included: a tool failing with one of them is still the cause's, with another it is a new cause.
   */
  errors?: string[];
  /** The personas affected, the first few. */
  personas?: string[];
  /** A change of mana-mcp's tools shortly before the finding opened. */
  attribution?: string;
  /**
   * While the condition no longer holds: whether enough good evidence has come since (a longer run of good outcomes
   * than clearing took) for the finding to resolve once the recovery period has passed. Absent: nothing to wait for.
   */
  settled?: boolean;
}

const TOP = 5;

/** Every tool a finding answers for: its subject or the tools it names, and those its cause covered while open. */
export function coveredBy(finding: { subject: string; verdict: Pick<Verdict, "tools" | "covered"> }): string[] {
  return [...new Set([...(finding.verdict.tools ?? [finding.subject]), ...(finding.verdict.covered ?? [])])];
}

/**
 * The tools that must settle before a finding resolves: those that held in it, not a module's rarely called tool
 * it named for a failure or two, which could not prove a recovery before those failures left the week.
 */
export function mustSettle(finding: { subject: string; verdict: Pick<Verdict, "tools" | "covered"> }): string[] {
  return finding.verdict.covered ?? finding.verdict.tools ?? [finding.subject];
}
export const PERSONAS_LISTED = 10;

export function verdictOf(holds: boolean, title: string, summary: string, counts: Record<string, number>, bad: readonly Outcome[], extra: Partial<Verdict> = {}): Verdict {
  return { holds, title, summary, counts, signatures: signaturesOf(bad), examples: examplesOf(bad), ...extra };
}

export function signaturesOf(bad: readonly Outcome[]): Verdict["signatures"] {
  const counts = new Map<string, number>();
  for (const outcome of bad) {
    if (!outcome.error) continue;
    const signature = signatureOf(outcome.error);
    counts.set(signature, (counts.get(signature) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([signature, count]) => ({ signature, count }));
}

export function examplesOf(bad: readonly Outcome[]): Example[] {
  const seen = new Set<string>();
  const picked: Example[] = [];
  for (const { runId, userId, persona, at } of bad) {
    if (seen.has(runId)) continue;
    seen.add(runId);
    picked.push({ runId, userId, persona, at });
    if (picked.length === TOP) break;
  }
  return picked;
}

export function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** "a, b and 3 more": lists stay one line in a message. */
export function listed(names: readonly string[], max = 4): string {
  if (names.length <= max) return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}
