/**
 * @module
 * /metrics from a snapshot at most a few seconds old, shared by the requests of one isolate: anonymous scrapes
 * never load the coordinator that every run depends on.
 */
import { coordinator } from "../coordinator/coordinator";
import { findings } from "../findings/findings";
import { renderPrometheus } from "../metrics";

export const SNAPSHOT_MAX_AGE_MS = 5_000;

let snapshot: { at: number; text: Promise<string> } | undefined;

export function metricsText(env: Env, now = Date.now()): Promise<string> {
  if (snapshot && now - snapshot.at < SNAPSHOT_MAX_AGE_MS) return snapshot.text;
  const text = collect(env);
  snapshot = { at: now, text };
  // A failed collection is not cached: the next scrape tries again.
  text.catch(() => {
    if (snapshot?.text === text) snapshot = undefined;
  });
  return text;
}

async function collect(env: Env): Promise<string> {
  const [hub, read] = await Promise.all([coordinator(env.COORDINATOR).samples(), findings(env.FINDINGS).samples()]);
  return renderPrometheus([...hub, ...read]);
}
