/**
 * @module
 * Prometheus counters kept in a Durable Object's SQLite, and their text exposition for /metrics.
 */

/** Run duration buckets in seconds for the Prometheus histogram. */
export const DURATION_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900];

/** A sample: metric name, label set, value. Stored flat so an object can add to it in SQL. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Counters that only ever add up; kept in the owning object's SQLite. */
export class SampleStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS samples (name TEXT, labels TEXT, value REAL, PRIMARY KEY (name, labels))");
  }

  /** Adds the samples to their counters; answers the rows written. */
  add(samples: readonly Sample[]): number {
    let written = 0;
    for (const sample of samples) {
      written += this.sql.exec(
        "INSERT INTO samples VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
        sample.name,
        JSON.stringify(sample.labels),
        sample.value,
      ).rowsWritten;
    }
    return written;
  }

  all(): Sample[] {
    return this.sql
      .exec<{ name: string; labels: string; value: number }>("SELECT name, labels, value FROM samples ORDER BY rowid")
      .toArray()
      .map((row) => ({ name: row.name, labels: JSON.parse(row.labels) as Record<string, string>, value: row.value }));
  }
}

/** The histogram's samples for one observed duration. */
export function durationSamples(durationMs: number): Sample[] {
  const seconds = durationMs / 1000;
  return [
    ...DURATION_BUCKETS.filter((le) => seconds <= le).map((le) => ({ name: "persona_run_duration_seconds_bucket", labels: { le: String(le) }, value: 1 })),
    { name: "persona_run_duration_seconds_bucket", labels: { le: "+Inf" }, value: 1 },
    { name: "persona_run_duration_seconds_sum", labels: {}, value: seconds },
    { name: "persona_run_duration_seconds_count", labels: {}, value: 1 },
  ];
}

const HELP: Record<string, [type: string, help: string]> = {
  persona_ticks_total: ["counter", "Cron ticks handled, by result."],
  persona_dispatch_total: ["counter", "Dispatches to persona Durable Objects, by status."],
  persona_runs_total: ["counter", "Finished persona runs, by outcome."],
  persona_tool_calls_total: ["counter", "MCP tool calls made by personas, by tool and result."],
  persona_verifications_total: ["counter", "Read-after-write checks, by write tool and status."],
  persona_rating_sum: ["counter", "Sum of module ratings (1-5)."],
  persona_rating_count: ["counter", "Number of module ratings."],
  persona_tokens_total: ["counter", "Claude tokens, by kind (input, output, cacheWrite (5-minute lifetime), cacheWrite1h, cacheRead)."],
  persona_cost_usd_total: ["counter", "Claude cost in US dollars at list prices."],
  persona_run_duration_seconds: ["histogram", "Wall time of finished runs."],
  persona_findings_open: ["gauge", "Open findings, by kind."],
  persona_alerts_pending: ["gauge", "Alert messages waiting for the webhook."],
  persona_queue_depth: ["gauge", "Runs waiting for a concurrency slot."],
  persona_slots_in_use: ["gauge", "Concurrency slots held by runs (or reserved for runs being woken)."],
  persona_budget_remaining_usd: ["gauge", "Dollars left in today's (UTC) budget."],
  persona_budget_remaining_tokens: ["gauge", "Tokens left in today's (UTC) token budget, when one is set."],
  persona_paused: ["gauge", "1 while the runner is paused."],
  persona_coordinator_requests_total: ["counter", "Requests the coordinator served since it last started, by method."],
  persona_coordinator_rows_written_total: ["counter", "SQLite rows the coordinator wrote since it last started."],
};

/** Prometheus text exposition of the samples. */
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
