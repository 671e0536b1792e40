/**
 * @module
 * Alert messages as a webhook receives them: Slack-compatible (`text` plus `blocks`) by default, or plain JSON
 * for a generic receiver. One when a finding opens, one when it resolves, and the daily digest.
 */
import type { Finding, FindingEvent } from "../findings/lifecycle";

export type AlertFormat = "slack" | "json";

export interface Digest {
  day: string;
  open: Finding[];
  runs: { succeeded: number; failed: number; costUsd: number };
  failures: { reason: string; count: number }[];
  modules: { module: string; lastDay: number | null; lastWeek: number | null; ratings: number }[];
}

/** Absolute links when the runner knows its public address, paths otherwise. */
export interface Links {
  base: string;
}

export function findingMessage(event: FindingEvent, finding: Finding, links: Links, format: AlertFormat): unknown {
  const { verdict } = finding;
  const example = verdict.examples[0];
  const exampleUrl = example ? `${links.base}/runs/${example.userId}/${encodeURIComponent(example.runId)}` : undefined;
  if (format === "json") {
    return { type: `finding.${event}`, finding: { ...finding, url: `${links.base}/findings#${encodeURIComponent(finding.id)}` }, exampleRun: exampleUrl };
  }
  const since = iso(finding.openedAt);
  const headline =
    event === "opened"
      ? `:red_circle: *Finding opened:* ${verdict.title}`
      : `:white_check_mark: *Finding resolved:* ${verdict.title} (open since ${since}, occurrence ${finding.occurrence})`;
  const lines = [
    headline,
    verdict.summary,
    ...(event === "opened" ? [`Since ${since} · ${counts(verdict.counts)}`] : []),
    ...verdict.signatures.slice(0, 3).map((entry) => `• ${entry.count}× \`${entry.signature}\``),
    ...(exampleUrl && event === "opened" ? [`Example run: <${exampleUrl}|${example?.persona} at ${iso(example?.at ?? 0)}>`] : []),
  ];
  return slack(lines);
}

export function digestMessage(digest: Digest, links: Links, format: AlertFormat): unknown {
  if (format === "json") return { type: "digest", ...digest, url: `${links.base}/` };
  const ratings = digest.modules.map(
    (entry) => `• ${entry.module}: ${fixed(entry.lastDay)} over the last day against ${fixed(entry.lastWeek)} the week before (${entry.ratings} ratings)`,
  );
  const lines = [
    `:bar_chart: *Persona runner digest for ${digest.day}* (<${links.base}/|status page>)`,
    `${digest.open.length} open finding${digest.open.length === 1 ? "" : "s"}${digest.open.length > 0 ? ":" : "."}`,
    ...digest.open.map((finding) => `• ${finding.verdict.title}, since ${iso(finding.openedAt)}`),
    `Runs in the last day: ${digest.runs.succeeded} succeeded, ${digest.runs.failed} failed, $${digest.runs.costUsd.toFixed(2)}.`,
    ...digest.failures.map((failure) => `• ${failure.count}× ${failure.reason}`),
    ...(ratings.length > 0 ? ["Ratings by module:", ...ratings] : []),
  ];
  return slack(lines);
}

function slack(lines: string[]): { text: string; blocks: unknown[] } {
  const text = lines.join("\n");
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: text.slice(0, 3_000) } }] };
}

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
const fixed = (value: number | null) => (value === null ? "–" : value.toFixed(2));
const counts = (values: Record<string, number>) =>
  Object.entries(values)
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");
