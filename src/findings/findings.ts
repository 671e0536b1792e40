/**
 * @module
 * The findings object: fed once per finished run, it keeps the evidence, judges each subject the run touched,
 * opens and resolves findings, counts runs for /metrics, and sends alerts from its own outbox and alarm, so a
 * slow or dead webhook never touches a run.
 */
import { DurableObject } from "cloudflare:workers";
import { type Digest, digestMessage, findingMessage, type Links } from "../alerts/message";
import { AlertOutbox } from "../alerts/outbox";
import { postAlert } from "../alerts/webhook";
import { type Config, loadConfig } from "../config";
import { createLogger } from "../log";
import { durationSamples, type Sample, SampleStore } from "../metrics";
import { fetcherFor } from "../net/http";
import type { RunEvidence } from "./evidence";
import { EvidenceStore } from "./evidence-store";
import { FindingStore } from "./finding-store";
import { type Finding, type FindingEvent, findingId, transition } from "./lifecycle";
import { type FindingKind, type FindingRules, personaToolsFailing, ratingDrop, ratingJudgementDue, rulesOf, setupFailing, toolFailing, type Verdict, writeNotVisible } from "./rules";

export interface FindingsList {
  open: Finding[];
  /** Resolved in the last seven days. */
  resolved: Finding[];
  /** Alert messages not yet accepted by the webhook, and why the last attempt failed. */
  alerts: { pending: number; lastError?: string };
}

export interface FindingsOverview extends FindingsList {
  ratings: { day: string; module: string; average: number; count: number }[];
}

const KINDS: FindingKind[] = ["tool-failing", "write-not-visible", "persona-tools-failing", "rating-drop", "setup-failing"];
const WEEK = 7 * 24 * 3_600_000;

export class Findings extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly evidence: EvidenceStore;
  private readonly findings: FindingStore;
  private readonly alerts: AlertOutbox;
  private readonly counters: SampleStore;
  /** Alerts with an attempt under way, so the alarm and a waitUntil pass never send one twice at once. */
  #sending = new Set<string>();
  /**
   * Per module, ratings since its drop was last judged and the raters then. Kept in memory: after a restart the
   * first heartbeat judges every rated module, so ratings that waited are never forgotten.
   */
  #ratingsSinceJudged = new Map<string, { ratings: number; raters: number }>();
  #ratingsCaughtUp = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    const rules = rulesOf(loadConfig(env));
    this.evidence = new EvidenceStore(this.sql, Math.max(rules.minEvidence * 2, 20));
    this.findings = new FindingStore(this.sql);
    this.alerts = new AlertOutbox(this.sql);
    this.counters = new SampleStore(this.sql);
    this.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  /** One finished run's evidence; a redelivery of the same run changes nothing. */
  ingest(run: RunEvidence): void {
    const touched = this.evidence.record(run);
    if (!touched) return;
    const now = Date.now();
    this.counters.add(runSamples(run));
    for (const tool of touched.tools) this.#judge("tool-failing", tool, now);
    for (const tool of touched.writes) this.#judge("write-not-visible", tool, now);
    for (const module of touched.modules) this.#judgeRatings(module, now);
    this.#judge("persona-tools-failing", run.userId, now);
    this.#judge("setup-failing", run.userId, now);
    this.#scheduleDelivery(now);
  }

  /**
   * The cron's minute: open findings are judged again (a condition clears as its evidence ages or is outweighed),
   * storage is pruned, and the daily digest goes out once its hour has come.
   */
  heartbeat(): void {
    const now = Date.now();
    const config = loadConfig(this.env);
    const rules = rulesOf(config);
    const open = this.findings.open();
    for (const finding of open) if (finding.kind !== "rating-drop") this.#judge(finding.kind, finding.subject, now);
    for (const module of this.#modulesToJudge(open, now)) this.#judgeRatings(module, now, true);
    // A persona's calls are judged against the others' when it runs, but the others may run after it in the
    // tick: personas whose calls failed since the last heartbeat are judged once more.
    const since = Number(this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'heartbeatAt'").toArray()[0]?.value ?? 0);
    for (const userId of this.evidence.personasWithFailures(Math.max(since, now - rules.windowMs))) this.#judge("persona-tools-failing", userId, now);
    this.sql.exec("INSERT OR REPLACE INTO kv VALUES ('heartbeatAt', ?)", String(now));
    this.evidence.prune(now, rules.windowMs);
    this.findings.prune(now);
    this.alerts.prune(now);
    this.#digestIfDue(config, now);
    this.#scheduleDelivery(now);
  }

  list(): FindingsList {
    return { open: this.findings.open(), resolved: this.findings.resolvedSince(Date.now() - WEEK), alerts: this.alerts.state() };
  }

  overview(days = 30): FindingsOverview {
    return { ...this.list(), ratings: this.evidence.ratingHistory(days, Date.now()) };
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
      ...KINDS.map((kind) => ({ name: "persona_findings_open", labels: { kind }, value: open[kind] ?? 0 })),
      { name: "persona_alerts_pending", labels: {}, value: this.alerts.pending() },
    ];
  }

  /** Retries what failed before, once its backoff has passed. */
  override async alarm(): Promise<void> {
    await this.#deliver();
  }

  /**
   * Sends what is due to the webhook, one attempt each; a failure waits out its backoff in the alarm. Runs
   * after the caller's answer (waitUntil) or in the alarm, never inside a run's hand-over.
   */
  async #deliver(): Promise<void> {
    const config = loadConfig(this.env);
    const log = createLogger();
    for (const alert of this.alerts.due(Date.now())) {
      // Another pass may have sent it, or an operator muted it, while this pass waited on the webhook.
      if (this.#sending.has(alert.id) || !this.alerts.isDue(alert.id, Date.now())) continue;
      this.#sending.add(alert.id);
      try {
        const sent = config.ALERT_WEBHOOK_URL
          ? await postAlert(fetcherFor(this.env, "ALERT_WEBHOOK"), config.ALERT_WEBHOOK_URL, alert.body, config.ALERT_TIMEOUT_MS)
          : { ok: false as const, error: "ALERT_WEBHOOK_URL is not set" };
        if (sent.ok) this.alerts.delivered(alert.id, alert.attempts + 1);
        else this.alerts.failed(alert, sent.error, Date.now());
        log[sent.ok ? "info" : "warn"]("alert_attempt", { alert: alert.id, attempts: alert.attempts + 1, ...(sent.ok ? {} : { error: sent.error }) });
      } finally {
        this.#sending.delete(alert.id);
      }
    }
    // Never in the past: an attempt still under way elsewhere keeps its message due, and must not spin the alarm.
    const next = this.alerts.nextAt();
    if (next !== undefined) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1_000));
  }

  /** Modules with an open drop or ratings waiting; after a restart, every module rated within the last eight days. */
  #modulesToJudge(open: Finding[], now: number): Set<string> {
    const waiting = this.#ratingsCaughtUp
      ? [...this.#ratingsSinceJudged].filter(([, { ratings }]) => ratings > 0).map(([module]) => module)
      : this.evidence.ratedModules(now);
    this.#ratingsCaughtUp = true;
    return new Set([...open.filter((finding) => finding.kind === "rating-drop").map((finding) => finding.subject), ...waiting]);
  }

  #judge(kind: Exclude<FindingKind, "rating-drop">, subject: string, now: number): void {
    const current = this.findings.get(findingId(kind, subject));
    this.#apply(current, kind, subject, this.#verdict(kind, subject, current, rulesOf(loadConfig(this.env)), now), now);
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
    const current = this.findings.get(findingId("rating-drop", module));
    this.#apply(current, "rating-drop", module, ratingDrop(module, pairs, rulesOf(loadConfig(this.env)), now), now);
    this.#ratingsSinceJudged.set(module, { ratings: 0, raters: pairs.length });
  }

  #apply(current: Finding | undefined, kind: FindingKind, subject: string, verdict: Verdict, now: number): void {
    const config = loadConfig(this.env);
    const { next, event } = transition(current, { kind, subject }, verdict, now, rulesOf(config).recoveryMs);
    if (!next) return;
    this.findings.save(next);
    if (event) this.#announce(event, next, config, now);
  }

  #verdict(kind: Exclude<FindingKind, "rating-drop">, subject: string, current: Finding | undefined, rules: FindingRules, now: number): Verdict {
    switch (kind) {
      case "tool-failing":
        return toolFailing(subject, this.evidence.toolCalls(subject), rules, now);
      case "write-not-visible":
        return writeNotVisible(subject, this.evidence.writeChecks(subject), rules, now);
      case "persona-tools-failing": {
        const { runs, others } = this.evidence.personaCalls(subject);
        return personaToolsFailing(runs[0]?.persona ?? nameOf(current, subject), runs, others, rules, now);
      }
      case "setup-failing": {
        const attempts = this.evidence.setupAttempts(subject);
        return setupFailing(attempts[0]?.persona ?? nameOf(current, subject), attempts, rules, now);
      }
    }
  }

  #announce(event: FindingEvent, finding: Finding, config: Config, now: number): void {
    createLogger().warn(`finding_${event}`, { finding: finding.id, occurrence: finding.occurrence, summary: finding.verdict.summary });
    if (!config.ALERT_WEBHOOK_URL) return;
    const body = findingMessage(event, finding, linksOf(config), config.ALERT_WEBHOOK_FORMAT);
    this.alerts.enqueue(`${finding.id}#${finding.occurrence}#${event}`, finding.id, body, now);
  }

  #digestIfDue(config: Config, now: number): void {
    const day = new Date(now).toISOString().slice(0, 10);
    if (!config.ALERT_WEBHOOK_URL || new Date(now).getUTCHours() < config.ALERT_DIGEST_HOUR) return;
    if (this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'digestDay'").toArray()[0]?.value === day) return;
    this.sql.exec("INSERT OR REPLACE INTO kv VALUES ('digestDay', ?)", day);
    this.alerts.enqueue(`digest#${day}`, undefined, digestMessage(this.#digest(day, now), linksOf(config), config.ALERT_WEBHOOK_FORMAT), now);
  }

  #digest(day: string, now: number): Digest {
    const { failures, ...runs } = this.evidence.lastDay(now);
    const modules = this.evidence.ratedModules(now).map((module) => {
      const { lastDay, trailing } = this.evidence.ratingWindows(module, now);
      const mean = (window: { sum: number; count: number }) => (window.count > 0 ? window.sum / window.count : null);
      return { module, lastDay: mean(lastDay), lastWeek: mean(trailing), ratings: lastDay.count };
    });
    return { day, open: this.findings.open(), runs, failures, modules };
  }

  #scheduleDelivery(now: number): void {
    const next = this.alerts.nextAt();
    if (next !== undefined && next <= now) this.ctx.waitUntil(this.#deliver());
  }
}

function nameOf(current: Finding | undefined, subject: string): string {
  return current?.verdict.examples[0]?.persona ?? subject;
}

function linksOf(config: Config): Links {
  return { base: (config.RUNNER_PUBLIC_URL ?? "").replace(/\/$/, "") };
}

function runSamples(run: RunEvidence): Sample[] {
  return [
    { name: "persona_runs_total", labels: { outcome: run.outcome }, value: 1 },
    ...run.calls.filter((call) => !call.verification).map((call) => ({ name: "persona_tool_calls_total", labels: { tool: call.tool, result: call.ok ? "ok" : "error" }, value: 1 })),
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
