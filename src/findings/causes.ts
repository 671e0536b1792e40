/**
 * @module
 * Causes, not symptoms: tools whose own verdicts hold are grouped before anything opens. Every tool of a module
 * failing at once is the module's backend (one finding naming the tools); tools of different modules failing with
 * the same error are one shared cause; what is left stands alone. Open findings adopt the groups their tools
 * joined, so a cause keeps one finding, and one message, as it grows, and a group stays together while its
 * finding is open, so it keeps that one finding as it recovers tool by tool.
 */
import type { Verdict } from "./verdict";
import { distinct, listed, PERSONAS_LISTED } from "./verdict";

export interface ToolVerdict {
  tool: string;
  verdict: Verdict;
}

export interface Cause {
  /** The finding's subject: a tool, `module:<name>`, or `sig:<hash of the shared error>`. */
  subject: string;
  tools: string[];
  verdict: Verdict;
  /** The tools' own verdicts a grouped cause was made of. */
  parts?: ToolVerdict[];
}

/** How a kind counts its evidence: which counts are the judged outcomes and the bad ones, and how to say it. */
export interface Measure {
  total: string;
  bad: string;
  /** "calls", "writes" */
  what: string;
  /** "failed", "read back missing or different" */
  verb: string;
}

export function moduleOf(tool: string): string {
  return tool.split(".", 1)[0] ?? tool;
}

/** The errors a grouped finding remembers: enough for a module's tools (a read and a write error each), bounded. */
const ERRORS_KEPT = 20;

/** A signature with the tool's own name taken out, so two tools failing alike share it. */
export function sharedSignature(signature: string): string {
  return signature.replace(/^Tool [\w.-]+ (failed|not allowed):/, "Tool <tool> $1:");
}

/** An open finding of a grouped cause (`module:<name>` or `sig:<hash>`), oldest first. */
export interface OpenGroup {
  subject: string;
  /** Every tool the occurrence has named, those recovered included. */
  tools: readonly string[];
  /** Those of them that held on their own while it was open: each must settle before it resolves. */
  covered: readonly string[];
  /** Its errors while open, those of recovered tools included, each without the tool's own name (sharedSignature). */
  signatures: readonly string[];
}

/**
 * Groups the tools whose verdicts hold. `judged` are every tool with recent failures, holding or not:
 * `succeeded(module, since)` names the module's tools that answered ok since then. A module is down as a whole when
 * one of its tools holds, another failed too, and none of its tools has worked since their failures began (a
 * module's rarely called tools never gather enough evidence of their own before the outage is over). A tool that
 * holds with an error of an `open` group, and is one of its tools or of its module, stays that group: as a module
 * comes back its tools clear one by one, and the one still failing is the same cause's tail, not a new finding. The
 * group remembers every tool that held in it (`covered`), so a recovered one is still held to the group's
 * hysteresis and must settle before the group resolves; its `tools` are those holding now, and a tool failing its
 * own new way stands alone.
 */
export function groupCauses(
  judged: readonly ToolVerdict[],
  succeeded: (module: string, since: number) => ReadonlySet<string>,
  measure: Measure,
  open: readonly OpenGroup[] = [],
): Cause[] {
  const units: Cause[] = [];
  const rest = [...judged];
  for (const group of open) {
    const members = rest.filter((entry) => entry.verdict.holds && belongsTo(group, entry));
    if (members.length === 0) continue;
    for (const member of members) rest.splice(rest.indexOf(member), 1);
    const module = group.subject.startsWith("module:") ? group.subject.slice("module:".length) : undefined;
    const title = module === undefined ? `${listed(sortedTools(members))} fail alike` : `${module} is failing: ${listed(sortedTools(members))}`;
    const cause = combine(group.subject, members, title, measure);
    const covered = [...new Set([...group.covered, ...(cause.verdict.covered ?? [])])].sort();
    const errors = [...new Set([...group.signatures, ...(cause.verdict.errors ?? [])])].slice(0, ERRORS_KEPT);
    units.push({ ...cause, verdict: { ...cause.verdict, covered, errors } });
  }
  const byModule = new Map<string, ToolVerdict[]>();
  for (const entry of rest) byModule.set(moduleOf(entry.tool), [...(byModule.get(moduleOf(entry.tool)) ?? []), entry]);
  for (const [module, entries] of byModule) {
    const holding = entries.filter((entry) => entry.verdict.holds);
    if (holding.length === 0) continue;
    const since = Math.min(...entries.map((entry) => earliestBad(entry.verdict)));
    const working = succeeded(module, since);
    const failing = entries.filter((entry) => entry.verdict.holds || (entry.verdict.examples.length > 0 && !working.has(entry.tool)));
    const down = failing.length >= 2 && [...working].every((tool) => failing.some((entry) => entry.tool === tool && entry.verdict.holds));
    if (down) units.push(combine(`module:${module}`, failing, `${module} is failing: ${listed(sortedTools(failing))}`, measure));
    else units.push(...holding.map((entry) => ({ subject: entry.tool, tools: [entry.tool], verdict: entry.verdict })));
  }
  // Tools, or whole modules, failing with the same error share a cause beyond any one module (mana-sync, storage).
  const bySignature = new Map<string, Cause[]>();
  for (const unit of units) {
    const top = unit.verdict.signatures[0]?.signature;
    const key = top === undefined ? `unit:${unit.subject}` : sharedSignature(top);
    bySignature.set(key, [...(bySignature.get(key) ?? []), unit]);
  }
  return [...bySignature].flatMap(([signature, alike]) => {
    if (alike.length < 2) return alike;
    const members = alike.flatMap((unit) => unit.parts ?? [{ tool: unit.subject, verdict: unit.verdict }]);
    return [combine(`sig:${hash(signature)}`, members, `${listed(sortedTools(members))} fail alike`, measure)];
  });
}

function combine(subject: string, members: readonly ToolVerdict[], title: string, measure: Measure): Cause & { parts: ToolVerdict[] } {
  const verdicts = members.map((member) => member.verdict);
  const sum = (name: string) => verdicts.reduce((total, verdict) => total + (verdict.counts[name] ?? 0), 0);
  const counts: Record<string, number> = {};
  for (const verdict of verdicts) for (const name of Object.keys(verdict.counts)) counts[name] = sum(name);
  const signatures = new Map<string, number>();
  for (const verdict of verdicts) for (const { signature, count } of verdict.signatures) signatures.set(signature, (signatures.get(signature) ?? 0) + count);
  const personas = distinct(verdicts.flatMap((verdict) => verdict.personas ?? [])).slice(0, PERSONAS_LISTED);
  const tools = sortedTools(members);
  const each = [...members]
    .sort((a, b) => a.tool.localeCompare(b.tool))
    .map(({ tool, verdict }) => `${tool} ${verdict.counts[measure.bad] ?? 0} of ${verdict.counts[measure.total] ?? 0}`);
  const verdict: Verdict = {
    holds: true,
    title,
    summary: `${counts[measure.bad] ?? 0} of the last ${counts[measure.total] ?? 0} ${measure.what} of ${tools.length} tools ${measure.verb}: ${each.join(", ")}`,
    counts,
    signatures: [...signatures].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([signature, count]) => ({ signature, count })),
    examples: distinctBy(verdicts.flatMap((v) => v.examples), (example) => example.runId).sort((a, b) => b.at - a.at).slice(0, 5),
    tools,
    covered: sortedTools(members.filter((member) => member.verdict.holds)),
    errors: [...new Set(verdicts.flatMap((each) => each.signatures.map(({ signature }) => sharedSignature(signature))))].slice(0, ERRORS_KEPT),
    personas,
  };
  return { subject, tools, verdict, parts: [...members] };
}

/**
 * One of the group's tools, or of its module (also those too rarely called to be named in it yet), failing with one
 * of the group's errors.
 */
function belongsTo(group: OpenGroup, { tool, verdict }: ToolVerdict): boolean {
  const covered = group.tools.includes(tool) || group.subject === `module:${moduleOf(tool)}`;
  return covered && verdict.signatures.some(({ signature }) => group.signatures.includes(sharedSignature(signature)));
}

function sortedTools(members: readonly ToolVerdict[]): string[] {
  return members.map((member) => member.tool).sort();
}

function earliestBad(verdict: Verdict): number {
  return Math.min(...verdict.examples.map((example) => example.at), Number.MAX_SAFE_INTEGER);
}

function distinctBy<T>(values: readonly T[], key: (value: T) => string): T[] {
  const seen = new Set<string>();
  return values.filter((value) => !seen.has(key(value)) && Boolean(seen.add(key(value))));
}

/** FNV-1a, 32 bits: a short stable name for a shared error, not a secret. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** An open finding of the same kind, as reconciliation sees it. */
export interface OpenCause {
  id: string;
  subject: string;
  tools: readonly string[];
  openedAt: number;
}

export interface Reconciled {
  /** Causes that continue an open finding (by id), and those that open a new one. */
  continued: { id: string; cause: Cause }[];
  opened: Cause[];
  /** Open findings whose tools another open finding now covers: closed quietly into it. */
  merged: { id: string; into: string }[];
  /** Open findings none of whose tools hold any more. */
  clear: string[];
}

/**
 * Matches this pass's causes to the open findings: a cause continues the open finding of its subject, else the
 * oldest open finding that shares a tool with it (so a tool finding becomes its module's when a sibling fails too,
 * without a second "opened"), other open findings it covers are merged into that one, and open findings no cause
 * touches clear.
 */
export function reconcile(causes: readonly Cause[], open: readonly OpenCause[]): Reconciled {
  const result: Reconciled = { continued: [], opened: [], merged: [], clear: [] };
  const taken = new Set<string>();
  const byAge = [...open].sort((a, b) => a.openedAt - b.openedAt);
  for (const cause of causes) {
    const touching = byAge.filter((finding) => !taken.has(finding.id) && touches(finding, cause));
    const same = touching.find((finding) => finding.subject === cause.subject) ?? touching[0];
    if (!same) {
      result.opened.push(cause);
      continue;
    }
    taken.add(same.id);
    result.continued.push({ id: same.id, cause });
    for (const other of touching) {
      if (other.id === same.id) continue;
      taken.add(other.id);
      result.merged.push({ id: other.id, into: same.id });
    }
  }
  result.clear = byAge.filter((finding) => !taken.has(finding.id)).map((finding) => finding.id);
  return result;
}

/** The finding is the cause's own (a group's tail it had not named yet included) or shares a tool with it. */
function touches(finding: OpenCause, cause: Cause): boolean {
  return finding.subject === cause.subject || cause.tools.some((tool) => finding.tools.includes(tool));
}
