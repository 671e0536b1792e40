/**
 * @module
 * One judgement pass over the evidence, broadest cause first: a service down, a stage refusing everyone, one
 * persona's setup, one persona's calls, then tools (grouped into modules and shared errors), writes, slowness,
 * misuse and the tool surface. What a broader cause explains is not judged again as a narrower one, so each
 * cause has one finding.
 */
import { type Cause, groupCauses, moduleOf, type OpenGroup, reconcile, sharedSignature, type ToolVerdict } from "./causes";
import type { EvidenceStore } from "./evidence-store";
import type { FindingStore } from "./finding-store";
import type { Finding } from "./lifecycle";
import { type Service, SERVICES } from "./probe";
import { baselineShare } from "./rates";
import {
  APP_ORIGINS,
  type Call,
  type FindingKind,
  type FindingRules,
  personaToolsFailing,
  serviceDown,
  serviceOf,
  setupFailing,
  setupRejected,
  toolChanged,
  toolFailing,
  toolGone,
  toolMisused,
  toolSlow,
  WEEK_MS,
  writeNotVisible,
} from "./rules";
import type { SurfaceStore } from "./surface-store";
import { coveredBy, mustSettle, type Verdict } from "./verdict";

const STAGES = ["login", "space", "mcp"];

export interface JudgeDeps {
  evidence: EvidenceStore;
  surface: SurfaceStore;
  findings: FindingStore;
  rules: FindingRules;
  now: number;
  /** Applies a verdict to the finding (by id when it continues one) and announces what changed. */
  apply(kind: FindingKind, subject: string, verdict: Verdict, id?: string): void;
  /** Closes an open finding into the one that now covers its cause. */
  merge(id: string, into: string): void;
}

export class Judge {
  readonly #open: Finding[];
  readonly #resolved: Finding[];
  /** Per kind and subject (or tool), when its last finding resolved: evidence up to then was told already. */
  readonly #floors = new Map<string, number>();

  constructor(private readonly deps: JudgeDeps) {
    this.#open = deps.findings.open();
    this.#resolved = deps.findings.resolvedSince(deps.now - WEEK_MS);
    for (const finding of this.#resolved) {
      for (const subject of [finding.subject, ...coveredBy(finding)]) {
        const key = `${finding.kind}|${subject}`;
        this.#floors.set(key, Math.max(this.#floors.get(key) ?? 0, finding.resolvedAt ?? 0));
      }
    }
  }

  /**
   * Only evidence newer than the subject's last resolution: what an occurrence already told and recovered from
   * must not open the next one (a persona's failing runs still in its window the minute after it resolved).
   */
  #newer<T extends { at: number }>(kind: FindingKind, subject: string, evidence: readonly T[]): T[] {
    // A module's finding covered every tool of the module, also those too rarely called to be named in it.
    const floors = [this.#floors.get(`${kind}|${subject}`), this.#floors.get(`${kind}|module:${moduleOf(subject)}`)].filter((at) => at !== undefined);
    if (floors.length === 0) return [...evidence];
    const floor = Math.max(...floors);
    return evidence.filter((each) => each.at > floor);
  }

  /**
   * Everything, broadest first, bounded by the tools and the personas in `scope`, never by the fleet: on ingest the
   * run's own persona (its setup and its calls) and the tools it called (their slowness); on the heartbeat
   * (`setups` left out) every persona whose newest start failed, and those whose calls failed since the last minute.
   */
  all(scope: { tools?: readonly string[]; personas: readonly string[]; setups?: readonly string[] }): void {
    const down = this.services();
    this.setups(down, scope.setups);
    const outliers = this.personas(scope.personas);
    this.tools(outliers);
    this.writes();
    this.slow(scope.tools ?? []);
    this.misuse();
    this.surface();
  }

  /** Services down, judged from setup failures on their side, lost call answers and probes; answers those down. */
  services(): Set<Service> {
    const { evidence, rules, now } = this.deps;
    const since = now - rules.outageMs;
    const setups = evidence.setupFailuresSince(since).filter((failure) => failure.server);
    const lost = evidence
      .transportFailuresSince(since)
      .filter((call) => call.error !== undefined && !call.error.startsWith("interrupted"))
      .map((call) => ({ ...call, stage: "mcp", server: true }));
    const down = new Set<Service>();
    for (const service of SERVICES) {
      const failures = [...setups.filter((failure) => serviceOf(failure.stage) === service), ...(service === "mana-mcp" ? lost : [])].sort((a, b) => b.at - a.at);
      const open = this.#isOpen("service-down", service);
      if (failures.length === 0 && !open) continue;
      const verdict = serviceDown(service, failures, evidence.probes(service), evidence.lastSuccess(service), rules, open, now);
      this.deps.apply("service-down", service, verdict);
      if (verdict.holds) down.add(service);
    }
    return down;
  }

  /**
   * A stage refusing everyone, then personas whose own setup fails while the others' runs start. A failure on a
   * service's side during one of its outages (from the failures that opened it to its resolution) is the outage's,
   * then and afterwards: a persona whose runs fell into an outage is not an outlier once the service is back.
   */
  setups(down: ReadonlySet<Service>, personas?: readonly string[]): void {
    const { evidence, rules, now } = this.deps;
    const failures = evidence.setupFailuresSince(now - rules.windowMs);
    const refusing = new Set<string>();
    for (const stage of STAGES) {
      const open = this.#isOpen("setup-failing", stage);
      if (!open && !failures.some((failure) => failure.stage === stage && !failure.server)) continue;
      const verdict = setupRejected(stage, failures, evidence.lastSuccess(serviceOf(stage)), rules, now);
      this.deps.apply("setup-failing", stage, verdict);
      if (verdict.holds) refusing.add(stage);
    }
    const outages = this.#outages();
    const explained = (attempt: { at: number; stage?: string; server?: boolean }) => {
      if (refusing.has(attempt.stage ?? "")) return true;
      if (!attempt.server) return false;
      const service = serviceOf(attempt.stage);
      return down.has(service) || outages.some((outage) => outage.service === service && attempt.at >= outage.from && attempt.at <= outage.until);
    };
    const candidates = personas ?? this.#watched(explained);
    for (const userId of new Set([...candidates, ...this.#subjects("setup-failing").filter((subject) => !STAGES.includes(subject))])) {
      const attempts = this.#newer("setup-failing", userId, evidence.setupAttempts(userId));
      const latest = attempts.slice(0, rules.setupFailures).filter((attempt) => !attempt.ok);
      if (latest.length === 0 && !this.#isOpen("setup-failing", userId)) continue;
      const since = Math.min(...latest.map((attempt) => attempt.at));
      const name = attempts[0]?.persona ?? this.#nameOf("setup-failing", userId);
      // An outage or a refusing stage explains it: no need to count who started meanwhile.
      const unexplained = !latest.some(explained);
      const verdict = setupFailing(name, attempts, unexplained ? evidence.othersStartedSince(userId, since, rules.minRuns) : 0, rules, now);
      this.deps.apply("setup-failing", userId, unexplained ? verdict : { ...verdict, holds: false });
    }
  }

  /** The watched personas whose failures nothing explains; those an outage or a refusing stage explains leave the watch. */
  #watched(explained: (attempt: { at: number; stage?: string; server?: boolean }) => boolean): string[] {
    const { evidence, rules, now } = this.deps;
    return evidence.watchedSetups().flatMap((latest) => {
      if (!explained(latest) && latest.at >= now - rules.windowMs) return [latest.userId];
      evidence.unwatch(latest.userId);
      return [];
    });
  }

  /** When each service was down, by its findings of the week: from the failures that opened one to its resolution. */
  #outages(): { service: string; from: number; until: number }[] {
    const { rules, now } = this.deps;
    return [...this.#open, ...this.#resolved]
      .filter((finding) => finding.kind === "service-down")
      .map((finding) => ({ service: finding.subject, from: finding.openedAt - rules.outageMs, until: finding.resolvedAt ?? now }));
  }

  /** Personas whose calls fail where the others' do not; answers them, so their calls never count against a tool. */
  personas(judged: readonly string[]): Set<string> {
    const { evidence, rules, now } = this.deps;
    const since = now - rules.windowMs;
    const outliers = new Set<string>();
    for (const userId of new Set([...judged, ...this.#subjects("persona-tools-failing")])) {
      const { runs: all, others } = evidence.personaCalls(userId, since);
      const runs = this.#newer("persona-tools-failing", userId, all);
      const open = this.#isOpen("persona-tools-failing", userId);
      const verdict = personaToolsFailing(runs[0]?.persona ?? this.#nameOf("persona-tools-failing", userId), runs, others, rules, open, now);
      this.deps.apply("persona-tools-failing", userId, verdict);
      if (verdict.holds) outliers.add(userId);
    }
    return outliers;
  }

  tools(outliers: ReadonlySet<string>): void {
    const { evidence, rules, now } = this.deps;
    const candidates = this.#candidates("tool-failing", evidence.toolsFailingSince(now - rules.windowMs, "app"));
    const members = this.#members("tool-failing");
    const judged: ToolVerdict[] = candidates.map((tool) => {
      const calls = this.#newer("tool-failing", tool, evidence.toolCalls(tool)).filter((call) => !outliers.has(call.userId));
      return { tool, verdict: toolFailing(tool, calls, this.#baseline(tool, calls), rules, members.has(tool), now) };
    });
    const measure = { total: "calls", bad: "failed", what: "calls", verb: "failed" };
    this.#settle("tool-failing", groupCauses(judged, (module, since) => evidence.succeededSince(module, since), measure, this.#groups("tool-failing")), judged);
  }

  writes(): void {
    const { evidence, rules, now } = this.deps;
    const candidates = this.#candidates("write-not-visible", evidence.toolsFailingSince(now - rules.windowMs, "invisible"));
    const members = this.#members("write-not-visible");
    const judged: ToolVerdict[] = candidates.map((tool) => ({
      tool,
      verdict: writeNotVisible(tool, this.#newer("write-not-visible", tool, evidence.writeChecks(tool)), rules, members.has(tool), now),
    }));
    const measure = { total: "checks", bad: "notVisible", what: "writes", verb: "read back missing or different" };
    this.#settle("write-not-visible", groupCauses(judged, (module, since) => evidence.verifiedSince(module, since), measure, this.#groups("write-not-visible")), judged);
  }

  slow(touched: readonly string[]): void {
    const { evidence, rules, now } = this.deps;
    for (const tool of new Set([...touched, ...this.#subjects("tool-slow")])) {
      const calls = this.#newer("tool-slow", tool, evidence.toolCalls(tool));
      const oldest = calls.filter((call) => call.ok).slice(0, rules.windowCalls).at(-1)?.at ?? now;
      const verdict = toolSlow(tool, calls, evidence.latencyBaseline(tool, oldest - rules.baselineMs, oldest), rules, this.#isOpen("tool-slow", tool), now);
      this.deps.apply("tool-slow", tool, verdict);
    }
  }

  misuse(): void {
    const { evidence, rules, now } = this.deps;
    for (const tool of this.#candidates("tool-misused", evidence.toolsFailingSince(now - rules.windowMs, "model"))) {
      this.deps.apply("tool-misused", tool, toolMisused(tool, this.#newer("tool-misused", tool, evidence.toolCalls(tool)), rules, this.#isOpen("tool-misused", tool), now));
    }
  }

  /** Tools gone that personas used, and schemas changed from the ones personas have been using. */
  surface(): void {
    const { evidence, surface, rules, now } = this.deps;
    const state = surface.state();
    if (!state) return;
    const events = surface.events(50, now - rules.settleMs);
    for (const tool of new Set([...Object.keys(state.baseline), ...this.#subjects("tool-gone")])) {
      const gone = state.tools[tool] === undefined;
      const open = this.#isOpen("tool-gone", tool);
      if (!gone && !open) continue;
      // Once told, a tool stays gone until it is back, however long nobody has been able to call it.
      this.deps.apply("tool-gone", tool, toolGone(tool, gone, state.changedAt[tool], open || evidence.usedSince(tool, now - WEEK_MS)));
    }
    for (const tool of new Set([...Object.keys(state.tools), ...this.#subjects("tool-changed")])) {
      const changed = state.tools[tool] !== undefined && state.baseline[tool] !== undefined && state.tools[tool] !== state.baseline[tool];
      if (!changed && !this.#isOpen("tool-changed", tool)) continue;
      const diff = events.find((event) => event.tool === tool && event.change === "changed" && event.to === state.tools[tool])?.diff ?? [];
      this.deps.apply("tool-changed", tool, toolChanged(tool, changed, diff));
    }
  }

  /** A tool's usual failure share: the week before its judged calls, less hours an open finding judged already. */
  #baseline(tool: string, calls: readonly Call[]): number {
    const { evidence, rules } = this.deps;
    const judged = calls.filter((call) => call.ok || APP_ORIGINS.has(call.origin ?? "app")).slice(0, rules.windowCalls);
    const oldest = judged.at(-1)?.at ?? this.deps.now;
    const { calls: total, failed } = evidence.failureBaseline(tool, oldest - rules.baselineMs, oldest);
    return baselineShare(failed, total, rules.minBaselineCalls, rules.defaultBaseline);
  }

  /**
   * Matches this pass's causes to the open findings of a kind, then opens, continues, merges and clears them. A
   * cleared finding keeps its evidence as of the last time it held, and is settled once each of its tools is.
   */
  #settle(kind: FindingKind, causes: readonly Cause[], judged: readonly ToolVerdict[]): void {
    const open = this.#open.filter((finding) => finding.kind === kind);
    const result = reconcile(
      causes,
      open.map((finding) => ({ id: finding.id, subject: finding.subject, tools: finding.verdict.tools ?? [finding.subject], openedAt: finding.openedAt })),
    );
    for (const { id, cause } of result.continued) this.deps.apply(kind, cause.subject, cause.verdict, id);
    const reopening = new Set<string>();
    for (const cause of result.opened) {
      const recent = this.#recentlyResolved(kind, cause, reopening);
      if (recent) reopening.add(recent);
      this.deps.apply(kind, cause.subject, cause.verdict, recent);
    }
    for (const { id, into } of result.merged) this.deps.merge(id, into);
    // A tool another cause holds now is that cause's to answer for, not a reason to keep this one open.
    const claimed = new Set(causes.flatMap((cause) => cause.tools));
    for (const id of result.clear) {
      const finding = open.find((each) => each.id === id);
      if (!finding) continue;
      const waiting = mustSettle(finding).filter((tool) => !claimed.has(tool));
      const settled = waiting.every((tool) => judged.find((entry) => entry.tool === tool)?.verdict.settled !== false);
      this.deps.apply(kind, finding.subject, { ...finding.verdict, holds: false, settled }, id);
    }
  }

  /**
   * The finding of a kind that resolved within the reopen window and was this cause's (its subject, or one of its
   * tools failing with one of its errors): the cause coming back is that finding reopening, whatever subject it had
   * grown into. A tool of it failing a new way is a new cause.
   */
  #recentlyResolved(kind: FindingKind, cause: Cause, taken: ReadonlySet<string>): string | undefined {
    const since = this.deps.now - this.deps.rules.reopenMs;
    const errors = new Set(cause.verdict.signatures.map(({ signature }) => sharedSignature(signature)));
    const same = (finding: Finding) =>
      finding.subject === cause.subject ||
      (coveredBy(finding).some((tool) => cause.tools.includes(tool)) && errorsOf(finding).some((error) => errors.has(error)));
    return this.#resolved.find((finding) => finding.kind === kind && !taken.has(finding.id) && (finding.resolvedAt ?? 0) >= since && same(finding))?.id;
  }

  /** The open findings of a kind that are grouped causes, oldest first. */
  #groups(kind: FindingKind): OpenGroup[] {
    return this.#open
      .filter((finding) => finding.kind === kind && /^(module|sig):/.test(finding.subject))
      .sort((a, b) => a.openedAt - b.openedAt)
      .map((finding) => ({
        subject: finding.subject,
        tools: coveredBy(finding),
        covered: mustSettle(finding),
        signatures: errorsOf(finding),
      }));
  }

  #candidates(kind: FindingKind, failing: readonly string[]): string[] {
    return [...new Set([...failing, ...this.#members(kind)])];
  }

  /** The tools open findings of a kind cover. */
  #members(kind: FindingKind): Set<string> {
    return new Set(this.#open.filter((finding) => finding.kind === kind).flatMap(coveredBy));
  }

  #subjects(kind: FindingKind): string[] {
    return this.#open.filter((finding) => finding.kind === kind).map((finding) => finding.subject);
  }

  #isOpen(kind: FindingKind, subject: string): boolean {
    return this.#open.some((finding) => finding.kind === kind && finding.subject === subject);
  }

  #nameOf(kind: FindingKind, subject: string): string {
    return this.#open.find((finding) => finding.kind === kind && finding.subject === subject)?.verdict.personas?.[0] ?? subject;
  }
}

/** A finding's errors without the tools' own names: all a group has seen while open, else its newest ones. */
function errorsOf(finding: Finding): string[] {
  return finding.verdict.errors ?? finding.verdict.signatures.map(({ signature }) => sharedSignature(signature));
}
