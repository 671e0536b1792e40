/**
 * @module
 * The findings object: fed once per finished run, it keeps the evidence, judges it cause by cause, opens and
 * resolves findings, follows mana-mcp's tool surface, probes a service that seems down, counts runs for /metrics,
 * and sends alerts from its own outbox and alarm, so a slow or dead webhook never touches a run.
 */
import { DurableObject } from "cloudflare:workers";
import { batchMessage, type Digest, digestMessage, escape, findingLine, findingMessage, type Links, type MessageEvent, surfaceMessage } from "../alerts/message";
import { type Alert, AlertOutbox } from "../alerts/outbox";
import { eventOf, messageId, netEvent } from "../alerts/story";
import { postAlert } from "../alerts/webhook";
import { type Config, loadConfig } from "../config";
import { createLogger } from "../log";
import { durationSamples, type Sample, SampleStore } from "../metrics";
import { CoverageStore } from "../coverage/coverage-store";
import { type CoverageMap, coverageDigest, coverageMap } from "../coverage/map";
import { fetcherFor } from "../net/http";
import type { RunEvidence } from "./evidence";
import { EvidenceStore } from "./evidence-store";
import { FindingStore, type Page } from "./finding-store";
import { Judge } from "./judge";
import { type Finding, type FindingEvent, findingId, merge, transition } from "./lifecycle";
import { probe, type Service, SERVICES } from "./probe";
import { FINDING_KINDS, type FindingKind, type FindingRules, ratingDrop, ratingJudgementDue, rulesOf, serviceOf, WEEK_MS } from "./rules";
import { observeSurface, settle } from "./surface";
import { type SurfaceEvent, SurfaceStore } from "./surface-store";
import { coveredBy, type Verdict } from "./verdict";

export interface FindingsList {
  open: Finding[];
  /** Resolved in the last seven days. */
  resolved: Finding[];
  /** How many there are in all; `open` and `resolved` hold the page asked for. */
  totals: { open: number; resolved: number };
  page: Page;
  /** The newest changes of mana-mcp's tool surface. */
  surface: SurfaceEvent[];
  /** Alert messages not yet accepted by the webhook, and why the last attempt failed. */
  alerts: { pending: number; lastError?: string };
}

export interface FindingsOverview extends FindingsList {
  ratings: { day: string; module: string; average: number; count: number }[];
  coverage: CoverageMap;
}

/** The kinds whose findings are about tools: any tool change shortly before one may be its cause. */
const TOOL_KINDS: ReadonlySet<FindingKind> = new Set(["tool-failing", "tool-slow", "tool-misused", "write-not-visible"]);
/** Slack's incoming webhooks take about one message a second: one message (or one batch) a second at most. */
const PACE_MS = 1_000;
/** This many messages due at once go out as one batch that lists them. */
const BATCH_FROM = 3;
const BATCH_MAX = 20;
/** Personas whose runs keep failing to start, judged when another persona's run starts; the heartbeat judges all. */
const WATCHED_ON_INGEST = 20;

export class Findings extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly evidence: EvidenceStore;
  private readonly surface: SurfaceStore;
  private readonly covered: CoverageStore;
  private readonly findings: FindingStore;
  private readonly alerts: AlertOutbox;
  private readonly counters: SampleStore;
  /** The delivery pass under way, if any, and when the last message left. */
  #delivering: Promise<void> | undefined;
  #lastSentAt = 0;
  /**
   * Per module, ratings since its drop was last judged and the raters then. Kept in memory: after a restart the
   * first heartbeat judges every rated module, so ratings that waited are never forgotten.
   */
  #ratingsSinceJudged = new Map<string, { ratings: number; raters: number }>();
  #ratingsCaughtUp = false;
  /** Services with a probe under way: one at a time each. */
  #probing = new Set<Service>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    const rules = rulesOf(loadConfig(env));
    this.evidence = new EvidenceStore(this.sql, Math.max(rules.windowCalls * 3, 60));
    this.surface = new SurfaceStore(this.sql);
    this.covered = new CoverageStore(this.sql);
    this.findings = new FindingStore(this.sql);
    this.alerts = new AlertOutbox(this.sql);
    this.counters = new SampleStore(this.sql);
    this.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  /** One finished run's evidence; a redelivery of the same run changes nothing. */
  ingest(run: RunEvidence): void {
    const now = Date.now();
    const rules = this.#rules();
    const touched = this.evidence.record(run, this.#flagged());
    if (!touched) return;
    this.counters.add(runSamples(run));
    this.covered.record(run, now);
    if (run.schemas) this.surface.remember(run.schemas, now);
    if (run.surface && run.startedAt !== undefined) this.#observeSurface(run, rules, now);
    this.#judge(rules, now).all({ tools: touched.tools, personas: [run.userId], setups: this.#setupsToJudge(run) });
    for (const module of touched.modules) this.#judgeRatings(module, now);
    if (run.setup?.server) this.#probeSoon(serviceOf(run.setup.stage));
    this.#scheduleDelivery(now);
  }

  /**
   * A run that started is the evidence a persona whose own runs keep failing to start waits for: the newest such
   * personas are judged at once (the heartbeat judges them all each minute, so the bound only delays the rest).
   */
  #setupsToJudge(run: RunEvidence): string[] {
    if (run.setup) return [run.userId];
    return [run.userId, ...this.evidence.watchedSetups(WATCHED_ON_INGEST).map((watched) => watched.userId)];
  }

  /**
   * The cron's minute: everything is judged again (a condition clears as its evidence ages, a changed schema
   * settles), services that seem down are probed, storage is pruned, and the daily digest goes out at its hour.
   */
  heartbeat(): void {
    const now = Date.now();
    const config = loadConfig(this.env);
    const rules = rulesOf(config);
    const state = this.surface.state();
    if (state) this.surface.save(settle(state, now, rules.settleMs));
    // Personas with failures since the last minute are judged again: the others' calls may have come after theirs.
    const since = Number(this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'heartbeatAt'").toArray()[0]?.value ?? 0);
    this.#judge(rules, now).all({ personas: this.evidence.personasWithFailures(Math.max(since, now - rules.windowMs)) });
    this.sql.exec("INSERT OR REPLACE INTO kv VALUES ('heartbeatAt', ?)", String(now));
    for (const module of this.#modulesToJudge(this.findings.open(), now)) this.#judgeRatings(module, now, true);
    for (const service of this.#suspected(rules, now)) this.#probeSoon(service);
    this.evidence.prune(now, rules.windowMs);
    this.surface.prune();
    this.covered.prune(now);
    this.findings.prune(now);
    this.alerts.prune(now);
    this.#digestIfDue(config, now);
    this.#scheduleDelivery(now);
  }

  list(page: Page = { limit: 50, offset: 0 }): FindingsList {
    const since = Date.now() - WEEK_MS;
    return {
      open: this.findings.openPage(page),
      resolved: this.findings.resolvedSince(since, page),
      totals: this.findings.counts(since),
      page,
      surface: this.surface.events(),
      alerts: this.alerts.state(),
    };
  }

  overview(days = 30): FindingsOverview {
    return { ...this.list({ limit: -1, offset: 0 }), ratings: this.evidence.ratingHistory(days, Date.now()), coverage: this.coverage() };
  }

  /** Which modules and tools the personas exercised this week, which offered tools none called, what they missed. */
  coverage(): CoverageMap {
    const window = this.covered.window(Date.now());
    const state = this.surface.state();
    const config = loadConfig(this.env);
    return coverageMap(
      window,
      { offered: state ? Object.keys(state.tools) : undefined, removed: this.surface.removedSince(window.since) },
      { allow: config.TOOL_ALLOW, deny: config.TOOL_DENY },
    );
  }

  /** Mutes an open finding until it resolves: no message goes out for it before its resolution. */
  ack(id: string): Finding | undefined {
    const finding = this.findings.get(id);
    if (finding?.state !== "open") return undefined;
    const acked = { ...finding, ackedAt: Date.now() };
    this.findings.save(acked);
    this.alerts.mute(id);
    return acked;
  }

  samples(): Sample[] {
    const open = this.findings.openByKind();
    return [
      ...this.counters.all(),
      ...FINDING_KINDS.map((kind) => ({ name: "persona_findings_open", labels: { kind }, value: open[kind] ?? 0 })),
      { name: "persona_alerts_pending", labels: {}, value: this.alerts.pending() },
    ];
  }

  /** Retries what failed before, once its backoff has passed, and sends what waited for its turn. */
  override async alarm(): Promise<void> {
    await this.#deliver();
  }

  /** One delivery pass at a time: a call while one runs waits for it; what it leaves waits for the alarm. */
  #deliver(): Promise<void> {
    this.#delivering ??= this.#deliveryPass().finally(() => {
      this.#delivering = undefined;
    });
    return this.#delivering;
  }

  /**
   * Sends the oldest due message, or, when several finding messages are due at once, those as one batch; one
   * attempt, at most one a second (Slack's incoming webhooks take about one). What is left waits for the alarm, a
   * failure for its backoff. Runs after the caller's answer (waitUntil) or in the alarm, never inside a run's hand-over.
   */
  async #deliveryPass(): Promise<void> {
    const config = loadConfig(this.env);
    const now = Date.now();
    this.alerts.unstick();
    if (now - this.#lastSentAt >= PACE_MS) {
      const due = this.alerts.due(now, BATCH_MAX);
      // The digest is read on its own; a storm of finding messages becomes one that counts and lists them.
      const findingMessages = due.filter((alert) => alert.findingId !== undefined);
      const batch = findingMessages.length >= BATCH_FROM ? findingMessages : due.slice(0, 1);
      if (batch.length > 0) await this.#send(batch, this.alerts.dueCount(now), config);
    }
    const next = this.alerts.nextAt();
    if (next !== undefined) await this.ctx.storage.setAlarm(Math.max(next, this.#lastSentAt + PACE_MS, Date.now() + 1));
  }

  async #send(batch: readonly Alert[], dueNow: number, config: Config): Promise<void> {
    this.alerts.sending(batch.map((alert) => alert.id));
    const body = batch.length === 1 ? batch[0]?.body : batchMessage(batch, dueNow - batch.length, linksOf(config), config.ALERT_WEBHOOK_FORMAT);
    const sent = config.ALERT_WEBHOOK_URL
      ? await postAlert(fetcherFor(this.env, "ALERT_WEBHOOK"), config.ALERT_WEBHOOK_URL, body, config.ALERT_TIMEOUT_MS)
      : { ok: false as const, error: "ALERT_WEBHOOK_URL is not set" };
    this.#lastSentAt = Date.now();
    for (const alert of batch) {
      if (sent.ok) this.alerts.delivered(alert.id, alert.attempts + 1);
      else this.alerts.failed(alert, sent.error, Date.now());
    }
    // The team heard none of these: each finding's story is told again, with what happened to it meanwhile.
    if (!sent.ok) {
      for (const alert of batch) {
        const finding = alert.findingId ? this.findings.get(alert.findingId) : undefined;
        if (finding && alert.id.startsWith(`${finding.id}#${finding.occurrence}#`)) this.#retell(finding, [], config, Date.now());
      }
    }
    createLogger()[sent.ok ? "info" : "warn"]("alert_attempt", { alerts: batch.map((alert) => alert.id), ...(sent.ok ? {} : { error: sent.error }) });
  }

  #judge(rules: FindingRules, now: number): Judge {
    return new Judge({
      evidence: this.evidence,
      surface: this.surface,
      findings: this.findings,
      rules,
      now,
      apply: (kind, subject, verdict, id) => this.#apply(kind, subject, verdict, now, id),
      merge: (id, into) => {
        const current = this.findings.get(id);
        if (current?.state === "open") this.findings.save(merge(current, into, now));
      },
    });
  }

  /** The tools whose hours an open finding judges already: kept out of the baselines they would skew. */
  #flagged(): { failing: Set<string>; slow: Set<string> } {
    const open = this.findings.open();
    const tools = (kind: FindingKind) => new Set(open.filter((finding) => finding.kind === kind).flatMap(coveredBy));
    return { failing: tools("tool-failing"), slow: tools("tool-slow") };
  }

  /** A run's tool list, applied once a second run has seen the same change; additions and quiet removals are told. */
  #observeSurface(run: RunEvidence, rules: FindingRules, now: number): void {
    const { state, changes } = observeSurface(this.surface.state(), { at: run.startedAt ?? now, runId: run.runId, surface: run.surface ?? [] }, rules.minRuns);
    this.surface.save(state);
    if (changes.length === 0) return;
    const events = this.surface.record(changes, now);
    createLogger().warn("tool_surface_changed", { changes: events.map(({ tool, change, diff }) => ({ tool, change, diff })) });
    // Changed schemas and used tools gone are findings with messages of their own; the rest is told here.
    // A tool coming back that a finding reported gone is told by that finding's resolution.
    const gone = new Set(this.findings.open().filter((finding) => finding.kind === "tool-gone").map((finding) => finding.subject));
    const told = events.filter((event) => (event.change === "added" && !gone.has(event.tool)) || (event.change === "removed" && !this.evidence.usedSince(event.tool, now - WEEK_MS)));
    const config = loadConfig(this.env);
    if (told.length > 0 && config.ALERT_WEBHOOK_URL) {
      const changes = told.map((event) => `${event.tool} ${event.change}`).join(", ");
      this.alerts.enqueue(`surface#${now}#${changes}`, undefined, surfaceMessage(told, linksOf(config), config.ALERT_WEBHOOK_FORMAT), `mana-mcp's tools changed: ${escape(changes)}`, now);
    }
  }

  /** Modules with an open drop or ratings waiting; after a restart, every module rated within the last eight days. */
  #modulesToJudge(open: Finding[], now: number): Set<string> {
    const waiting = this.#ratingsCaughtUp
      ? [...this.#ratingsSinceJudged].filter(([, { ratings }]) => ratings > 0).map(([module]) => module)
      : this.evidence.ratedModules(now);
    this.#ratingsCaughtUp = true;
    return new Set([...open.filter((finding) => finding.kind === "rating-drop").map((finding) => finding.subject), ...waiting]);
  }

  /** A module's rating drop, once enough of its ratings wait (ratingJudgementDue); `catchUp` judges whatever waits. */
  #judgeRatings(module: string, now: number, catchUp = false): void {
    const seen = this.#ratingsSinceJudged.get(module) ?? { ratings: 0, raters: 0 };
    const ratings = seen.ratings + (catchUp ? 0 : 1);
    if (!catchUp && !ratingJudgementDue(ratings, seen.raters)) {
      this.#ratingsSinceJudged.set(module, { ...seen, ratings });
      return;
    }
    const pairs = this.evidence.ratingPairs(module, now);
    this.#apply("rating-drop", module, ratingDrop(module, pairs, this.#rules(), now), now);
    this.#ratingsSinceJudged.set(module, { ratings: 0, raters: pairs.length });
  }

  #apply(kind: FindingKind, subject: string, verdict: Verdict, now: number, id?: string): void {
    const rules = this.#rules();
    const { current, at } = this.#slot(kind, subject, id, now);
    const { next, event } = transition(current, { ...(at ? { id: at } : {}), kind, subject }, verdict, now, { recoveryMs: rules.recoveryMs, reopenMs: rules.reopenMs });
    if (!next) return;
    if (event === "opened" && !next.verdict.attribution) next.verdict = { ...next.verdict, ...this.#attribution(kind, next.verdict, rules, now) };
    this.findings.save(next);
    if (event) this.#announce(event, next, now);
  }

  /**
   * Where a verdict is kept: the finding it continues, else the subject's own id, unless a finding whose cause grew
   * into another subject holds that id (a tool's finding that became its module's): a new cause of the tool then
   * gets an id of its own instead of overwriting, or reopening, that one.
   */
  #slot(kind: FindingKind, subject: string, id: string | undefined, now: number): { current?: Finding; at?: string } {
    if (id) return { current: this.findings.get(id), at: id };
    const own = findingId(kind, subject);
    const current = this.findings.get(own);
    if (current && current.subject !== subject) return { at: `${own}~${now.toString(36)}` };
    return current ? { current } : {};
  }

  /**
   * A change of the tool surface shortly before a finding opened: the same tool's first, then its module's, and for
   * a finding about tools any change; the surface's own findings are the change itself.
   */
  #attribution(kind: FindingKind, verdict: Verdict, rules: FindingRules, now: number): Pick<Verdict, "attribution"> {
    if (rules.attributionMs === 0 || kind === "tool-changed" || kind === "tool-gone") return {};
    const events = this.surface.events(50, now - rules.attributionMs);
    const tools = new Set(verdict.tools ?? []);
    const modules = new Set([...tools].map((tool) => tool.split(".")[0]));
    const event =
      events.find((each) => tools.has(each.tool)) ?? events.find((each) => modules.has(each.tool.split(".")[0])) ?? (TOOL_KINDS.has(kind) ? events[0] : undefined);
    if (!event) return {};
    const minutes = Math.max(0, Math.round((now - event.at) / 60_000));
    const what = event.change === "changed" ? `${event.tool}'s input schema changed` : `${event.tool} was ${event.change}`;
    return { attribution: `started ${minutes} min after ${what}` };
  }

  /**
   * Queues the message for a finding's event. Messages the team has not heard yet (waiting, or parked after a day
   * of failures) are folded into it: it hears the one message that takes it from what it last heard to how the
   * finding stands (src/alerts/story.ts), never a "resolved" before its "opened".
   */
  #announce(event: FindingEvent, finding: Finding, now: number): void {
    const config = loadConfig(this.env);
    createLogger().warn(`finding_${event}`, { finding: finding.id, occurrence: finding.occurrence, summary: finding.verdict.summary });
    if (!config.ALERT_WEBHOOK_URL) return;
    if (finding.kind === "tool-misused" && config.FINDING_MISUSE_ALERTS === "digest") return;
    this.#retell(finding, [event], config, now);
  }

  /**
   * Replaces the finding's unheard messages of this occurrence, and `plus`, with the one that tells how it stands.
   * After a failed attempt (`plus` empty) the attempt's message is unheard again and may join a later one.
   */
  #retell(finding: Finding, plus: readonly MessageEvent[], config: Config, now: number): void {
    const prefix = `${finding.id}#${finding.occurrence}#`;
    const unheard = this.alerts.untold(finding.id).filter((id) => id.startsWith(prefix));
    const events = [...unheard.flatMap((id) => eventOf(id) ?? []), ...plus];
    const told = netEvent(events);
    const id = told && messageId(prefix, told, finding.flaps);
    if (plus.length === 0 && unheard.length === 1 && unheard[0] === id) return;
    for (const each of unheard) this.alerts.supersede(each);
    if (told && id) this.alerts.enqueue(id, finding.id, findingMessage(told, finding, linksOf(config), config.ALERT_WEBHOOK_FORMAT), findingLine(told, finding), now);
  }

  /** Services with a failure on their side in the outage window and nothing through since, or already down. */
  #suspected(rules: FindingRules, now: number): Service[] {
    const open = new Set(this.findings.open().filter((finding) => finding.kind === "service-down").map((finding) => finding.subject));
    const failing = this.evidence.setupFailuresSince(now - rules.outageMs).filter((failure) => failure.server);
    return SERVICES.filter((service) => {
      if (open.has(service)) return true;
      const latest = failing.find((failure) => serviceOf(failure.stage) === service)?.at;
      return latest !== undefined && (this.evidence.lastSuccess(service) ?? 0) < latest;
    });
  }

  /** Probes a service after the caller's answer; its result is judged at once. */
  #probeSoon(service: Service): void {
    if (this.#probing.has(service)) return;
    this.#probing.add(service);
    const config = loadConfig(this.env);
    const [binding, url] = service === "mana-mcp" ? (["MANA_MCP", config.MANA_MCP_URL] as const) : (["MANA_AUTH", config.MANA_AUTH_URL] as const);
    const task = probe(service, fetcherFor(this.env, binding), url)
      .then(({ ok, error }) => {
        const now = Date.now();
        this.evidence.recordProbe(service, now, ok, error);
        const judge = this.#judge(this.#rules(), now);
        judge.setups(judge.services());
        this.#scheduleDelivery(now);
      })
      .finally(() => this.#probing.delete(service));
    this.ctx.waitUntil(task);
  }

  #digestIfDue(config: Config, now: number): void {
    const day = new Date(now).toISOString().slice(0, 10);
    if (!config.ALERT_WEBHOOK_URL || new Date(now).getUTCHours() < config.ALERT_DIGEST_HOUR) return;
    if (!this.evidence.hasRuns()) return;
    if (this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'digestDay'").toArray()[0]?.value === day) return;
    this.sql.exec("INSERT OR REPLACE INTO kv VALUES ('digestDay', ?)", day);
    this.alerts.enqueue(`digest#${day}`, undefined, digestMessage(this.#digest(day, now), linksOf(config), config.ALERT_WEBHOOK_FORMAT), `daily digest for ${day}`, now);
  }

  #digest(day: string, now: number): Digest {
    const { failures, ...runs } = this.evidence.lastDay(now);
    const modules = this.evidence.ratedModules(now).map((module) => {
      const { lastDay, trailing } = this.evidence.ratingWindows(module, now);
      const mean = (window: { sum: number; count: number }) => (window.count > 0 ? window.sum / window.count : null);
      return { module, lastDay: mean(lastDay), lastWeek: mean(trailing), ratings: lastDay.count };
    });
    return { day, open: this.findings.open(), runs, failures, modules, coverage: coverageDigest(this.coverage()) };
  }

  #rules(): FindingRules {
    return rulesOf(loadConfig(this.env));
  }

  #scheduleDelivery(now: number): void {
    const next = this.alerts.nextAt();
    if (next !== undefined && next <= now) this.ctx.waitUntil(this.#deliver());
  }
}

function linksOf(config: Config): Links {
  return { base: (config.RUNNER_PUBLIC_URL ?? "").replace(/\/$/, "") };
}

function runSamples(run: RunEvidence): Sample[] {
  return [
    { name: "persona_runs_total", labels: { outcome: run.outcome }, value: 1 },
    ...run.calls
      .filter((call) => !call.verification)
      .map((call) => ({ name: "persona_tool_calls_total", labels: { tool: call.tool, result: call.ok ? "ok" : "error", origin: call.origin ?? "ok" }, value: 1 })),
    ...run.checks.map((check) => ({ name: "persona_verifications_total", labels: { tool: check.tool, status: check.status }, value: 1 })),
    ...run.ratings.flatMap(({ module, rating }) => [
      { name: "persona_rating_sum", labels: { module }, value: rating },
      { name: "persona_rating_count", labels: { module }, value: 1 },
    ]),
    ...Object.entries(run.usage).map(([kind, value]) => ({ name: "persona_tokens_total", labels: { kind }, value })),
    { name: "persona_cost_usd_total", labels: {}, value: run.costUsd },
    ...(run.setup ? [] : durationSamples(run.durationMs)),
  ];
}

export function findings(ns: DurableObjectNamespace<Findings>): DurableObjectStub<Findings> {
  return ns.get(ns.idFromName("findings"));
}
