/**
 * @module
 * Alert messages as a webhook receives them: Slack-compatible (`text` plus `blocks`) by default, or plain JSON
 * for a generic receiver. One when a finding opens (or reopens, or opens and resolves before either got out), one
 * when it resolves, one when mana-mcp's tools change, several at once as one, and the daily digest. Every text
 * that comes from the app, a persona or the model is escaped, so it can neither ping a channel nor plant a link.
 */
import type { CoverageDigest } from "../coverage/map";
import type { Finding } from "../findings/lifecycle";
import type { SurfaceEvent } from "../findings/surface-store";

export type AlertFormat = "slack" | "json";

/** What a message tells about a finding: its events, in order, within one message. */
export type MessageEvent = "opened" | "reopened" | "resolved" | "opened and resolved";

export interface Digest {
  day: string;
  open: Finding[];
  runs: { succeeded: number; failed: number; costUsd: number };
  failures: { reason: string; count: number }[];
  modules: { module: string; lastDay: number | null; lastWeek: number | null; ratings: number }[];
  coverage: CoverageDigest;
}

/** Absolute links when the runner knows its public address; without one, messages carry no links at all. */
export interface Links {
  base: string;
}

/** Slack's own limit for one section's text. */
const SECTION_MAX_CHARS = 3_000;
const LIST_MAX = 10;
const HEADLINES: Record<MessageEvent, string> = {
  opened: ":red_circle: *Finding opened:*",
  reopened: ":repeat: *Finding reopened (intermittent):*",
  resolved: ":white_check_mark: *Finding resolved:*",
  "opened and resolved": ":large_yellow_circle: *Finding opened and resolved again:*",
};

export function findingMessage(event: MessageEvent, finding: Finding, links: Links, format: AlertFormat): unknown {
  const { verdict } = finding;
  const example = verdict.examples[0];
  const exampleUrl = example && links.base ? `${links.base}/runs/${example.userId}/${encodeURIComponent(example.runId)}` : undefined;
  if (format === "json") {
    return { type: `finding.${event.replace(/ /g, "-")}`, finding: { ...finding, ...(links.base ? { url: `${links.base}/findings#${encodeURIComponent(finding.id)}` } : {}) }, exampleRun: exampleUrl };
  }
  return slack(findingLines(event, finding, exampleUrl));
}

function findingLines(event: MessageEvent, finding: Finding, exampleUrl: string | undefined): string[] {
  const { verdict } = finding;
  const since = iso(finding.openedAt);
  const resolving = event === "resolved" || event === "opened and resolved";
  const example = verdict.examples[0];
  const detail = resolving
    ? [`${escape(verdict.title)} (open since ${since}${finding.occurrence > 1 ? `, occurrence ${finding.occurrence}` : ""}${finding.flaps ? `, reopened ${finding.flaps}×` : ""})`]
    : [
        escape(verdict.title),
        escape(verdict.summary),
        `Since ${since} · ${counts(verdict.counts)}`,
        ...(verdict.attribution ? [`:information_source: ${escape(verdict.attribution)}`] : []),
        ...(verdict.tools && verdict.tools.length > 1 ? [`Tools: ${verdict.tools.slice(0, LIST_MAX).map(code).join(", ")}`] : []),
        ...(verdict.personas && verdict.personas.length > 1 ? [`Personas: ${verdict.personas.slice(0, LIST_MAX).map(escape).join(", ")}`] : []),
        ...verdict.signatures.slice(0, 3).map((entry) => `• ${entry.count}× ${code(entry.signature)}`),
        ...(exampleUrl && example ? [`Example run: <${exampleUrl}|${escape(example.persona)} at ${iso(example.at)}>`] : []),
      ];
  const [title, ...rest] = detail;
  return [`${HEADLINES[event]} ${title ?? ""}`, ...rest, `Finding ${code(finding.id)}`];
}

/** Several messages due at once become one that counts and lists them: a storm is one message, not hundreds. */
export function batchMessage(alerts: readonly { line: string; body: unknown }[], more: number, links: Links, format: AlertFormat): unknown {
  if (format === "json") return { type: "batch", messages: alerts.map((alert) => alert.body), more };
  const lines = [
    `:rotating_light: *${alerts.length + more} alerts at once*${more > 0 ? ` (the first ${alerts.length} listed, the rest follow)` : ""}`,
    ...alerts.map((alert) => `• ${alert.line}`),
    ...(links.base ? [`<${links.base}/|Status page>`] : []),
  ];
  return slack(lines);
}

/** One line for a finding's message, as a batch lists it. */
export function findingLine(event: MessageEvent, finding: Finding): string {
  return `${event}: ${escape(finding.verdict.title)} (${code(finding.id)})`;
}

/** Tools added to mana-mcp, or removed that no persona used: worth knowing, nothing broken. */
export function surfaceMessage(events: readonly SurfaceEvent[], links: Links, format: AlertFormat): unknown {
  if (format === "json") return { type: "surface.changed", events };
  const lines = [
    ":information_source: *mana-mcp's tools changed*",
    ...events.slice(0, LIST_MAX).map((event) => `• ${code(event.tool)} ${event.change === "added" ? "was added" : "was removed (no persona used it this week)"}`),
    ...(events.length > LIST_MAX ? [`• … and ${events.length - LIST_MAX} more`] : []),
    ...(links.base ? [`<${links.base}/|Status page>`] : []),
  ];
  return slack(lines);
}

export function digestMessage(digest: Digest, links: Links, format: AlertFormat): unknown {
  if (format === "json") return { type: "digest", ...digest, ...(links.base ? { url: `${links.base}/` } : {}) };
  const ratings = digest.modules.map(
    (entry) => `• ${escape(entry.module)}: ${fixed(entry.lastDay)} over the last day against ${fixed(entry.lastWeek)} the week before (${entry.ratings} ratings)`,
  );
  const misused = digest.open.filter((finding) => finding.kind === "tool-misused");
  const findings = digest.open.filter((finding) => finding.kind !== "tool-misused");
  const lines = [
    `:bar_chart: *Persona runner digest for ${digest.day}*${links.base ? ` (<${links.base}/|status page>)` : ""}`,
    `${findings.length} open finding${findings.length === 1 ? "" : "s"}${findings.length > 0 ? ":" : "."}`,
    ...findings.slice(0, LIST_MAX).map((finding) => `• ${escape(finding.verdict.title)}, since ${iso(finding.openedAt)}`),
    ...(misused.length > 0 ? [`Tools the model keeps calling wrong (${misused.length}):`, ...misused.slice(0, LIST_MAX).map((finding) => `• ${escape(finding.verdict.summary)}`)] : []),
    `Runs in the last day: ${digest.runs.succeeded} succeeded, ${digest.runs.failed} failed, $${digest.runs.costUsd.toFixed(2)}.`,
    ...digest.failures.map((failure) => `• ${failure.count}× ${escape(failure.reason)}`),
    ...(ratings.length > 0 ? ["Ratings by module:", ...ratings] : []),
    ...coverageLines(digest.coverage),
  ];
  return slack(lines);
}

/** What the personas exercised of what mana-mcp offers, what none of them called, and what they missed. */
function coverageLines(coverage: CoverageDigest): string[] {
  const { summary, neverCalled, noLongerOffered, wantedNotOffered } = coverage;
  const more = (shown: number, all: number) => (all > shown ? `, … and ${all - shown} more` : "");
  const personas = (n: number) => `${n} persona${n === 1 ? "" : "s"}`;
  return [
    `Coverage over the last ${coverage.days} days: ${summary.toolsCalled} of ${summary.toolsOffered} offered tools called, ${summary.modulesExercised} of ${summary.modulesOffered} offered modules used.`,
    ...(neverCalled.length > 0 ? [`Never called (${neverCalled.length}): ${neverCalled.slice(0, LIST_MAX).map(code).join(", ")}${more(LIST_MAX, neverCalled.length)}`] : []),
    ...(noLongerOffered.length > 0
      ? [`No longer offered: ${noLongerOffered.slice(0, LIST_MAX).map((entry) => `${code(entry.tool)} (${entry.calls} calls this week)`).join(", ")}${more(LIST_MAX, noLongerOffered.length)}`]
      : []),
    ...(wantedNotOffered.length > 0
      ? [
          `Wanted but not offered: ${wantedNotOffered
            .slice(0, LIST_MAX)
            .map((entry) => `${escape(entry.module)} (${[entry.wantedBy > 0 ? `wanted by ${personas(entry.wantedBy)}` : "", entry.mentionedBy > 0 ? `named by ${personas(entry.mentionedBy)}` : ""].filter(Boolean).join(", ")})`)
            .join(", ")}${more(LIST_MAX, wantedNotOffered.length)}`,
        ]
      : []),
  ];
}

/** The message; its section cut at a line's end, so no code span or escape is broken in half. */
function slack(lines: string[]): { text: string; blocks: unknown[] } {
  const text = lines.join("\n");
  const kept: string[] = [];
  for (const line of lines) {
    if ([...kept, line, "…"].join("\n").length > SECTION_MAX_CHARS) break;
    kept.push(line);
  }
  const section = kept.length === lines.length ? text : [...kept, "…"].join("\n");
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: section } }] };
}

/**
 * Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping): with `<`, `>`
 * and `&` escaped, `<!channel>` and `<https://x|text>` from an error text are shown, never acted on.
 */
export function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A code span that stays one: no backtick or line break inside can end it early. */
export function code(text: string): string {
  return `\`${escape(text).replace(/`/g, "ˋ").replace(/\s*\n\s*/g, " ")}\``;
}

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
const fixed = (value: number | null) => (value === null ? "–" : value.toFixed(2));
const counts = (values: Record<string, number>) =>
  Object.entries(values)
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
