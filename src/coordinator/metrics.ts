/** Run duration buckets in seconds for the Prometheus histogram. */
export const DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900];

export interface RunSummary {
  outcome: "succeeded" | "failed";
  durationMs: number;
  tools: { toolName: string; result: "ok" | "error" }[];
  ratings: { module: string; rating: number }[];
  usage: { input: number; output: number; cacheWrite: number; cacheRead: number };
  costUsd: number;
}

/** A counter sample: metric name, label set, value. Stored flat so the coordinator can add to it in SQL. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function samplesOf(run: RunSummary): Sample[] {
  const samples: Sample[] = [{ name: "persona_runs_total", labels: { outcome: run.outcome }, value: 1 }];
  for (const tool of run.tools) {
    samples.push({ name: "persona_tool_calls_total", labels: { tool: tool.toolName, result: tool.result }, value: 1 });
  }
  for (const rating of run.ratings) {
    samples.push({ name: "persona_rating_sum", labels: { module: rating.module }, value: rating.rating });
    samples.push({ name: "persona_rating_count", labels: { module: rating.module }, value: 1 });
  }
  for (const [kind, value] of Object.entries(run.usage)) {
    samples.push({ name: "persona_tokens_total", labels: { kind }, value });
  }
  samples.push({ name: "persona_cost_usd_total", labels: {}, value: run.costUsd });
  const seconds = run.durationMs / 1000;
  for (const le of DURATION_BUCKETS) {
    if (seconds <= le) samples.push({ name: "persona_run_duration_seconds_bucket", labels: { le: String(le) }, value: 1 });
  }
  samples.push({ name: "persona_run_duration_seconds_bucket", labels: { le: "+Inf" }, value: 1 });
  samples.push({ name: "persona_run_duration_seconds_sum", labels: {}, value: seconds });
  samples.push({ name: "persona_run_duration_seconds_count", labels: {}, value: 1 });
  return samples;
}

const HELP: Record<string, [type: string, help: string]> = {
  persona_ticks_total: ["counter", "Cron ticks handled, by result."],
  persona_dispatch_total: ["counter", "Dispatches to persona Durable Objects, by status."],
  persona_runs_total: ["counter", "Finished persona runs, by outcome."],
  persona_tool_calls_total: ["counter", "MCP tool calls made by personas, by tool and result."],
  persona_rating_sum: ["counter", "Sum of module ratings (1-5)."],
  persona_rating_count: ["counter", "Number of module ratings."],
  persona_tokens_total: ["counter", "Claude tokens, by kind (input, output, cacheWrite, cacheRead)."],
  persona_cost_usd_total: ["counter", "Estimated Claude cost in US dollars."],
  persona_run_duration_seconds: ["histogram", "Wall time of finished runs."],
  persona_budget_remaining_tokens: ["gauge", "Tokens left in today's (UTC) budget."],
  persona_paused: ["gauge", "1 while the runner is paused."],
};

/** Prometheus text exposition of the stored samples. */
export function renderPrometheus(samples: Sample[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const familyOf = (name: string) => {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return HELP[base] ? base : name;
  };
  // Stable sort: a histogram's buckets keep their stored order inside the family.
  for (const sample of [...samples].sort((a, b) => familyOf(a.name).localeCompare(familyOf(b.name)))) {
    const family = familyOf(sample.name);
    const meta = HELP[family];
    if (meta && !seen.has(family)) {
      seen.add(family);
      lines.push(`# HELP ${family} ${meta[1]}`, `# TYPE ${family} ${meta[0]}`);
    }
    lines.push(`${sample.name}${labelText(sample.labels)} ${sample.value}`);
  }
  return `${lines.join("\n")}\n`;
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}
