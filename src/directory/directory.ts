/**
 * @module
 * The per-persona summary index: one row per persona, written when its runs change state (by the dispatch
 * fan-out and by the persona's own outbox), read by pages and the JSON API in one query per page.
 */
import { DurableObject } from "cloudflare:workers";
import type { PersonaSummary } from "./summary";

export type DirectorySort = "lastRun" | "outcome" | "email";

export interface DirectoryPage {
  personas: PersonaSummary[];
  total: number;
  offset: number;
  limit: number;
}

export const PAGE_MAX = 200;

/** Failures first, then what is in flight, then the rest: what an operator looks at first. */
const OUTCOME_ORDER = "CASE outcome WHEN 'failed' THEN 0 WHEN 'active' THEN 1 WHEN 'succeeded' THEN 2 ELSE 3 END";
const ORDER: Record<DirectorySort, string> = {
  lastRun: "last_run_at IS NULL, last_run_at DESC, email",
  outcome: `${OUTCOME_ORDER}, last_run_at DESC, email`,
  email: "email",
};

export class Directory extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS personas (user_id TEXT PRIMARY KEY, email TEXT NOT NULL, outcome TEXT NOT NULL,
        last_run_at INTEGER, updated_at INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS personas_by_run ON personas (last_run_at);
      CREATE INDEX IF NOT EXISTS personas_by_email ON personas (email);`);
  }

  /** A newer summary replaces an older one; one that differs only in when it was taken writes nothing. */
  upsert(summaries: PersonaSummary[]): void {
    for (const summary of summaries) {
      if (!summary.userId) continue;
      const run = summary.activeRun ?? summary.lastRun;
      const lastRunAt = run ? Date.parse(run.finishedAt ?? run.createdAt) : null;
      const doc = JSON.stringify(summary);
      this.sql.exec(
        `INSERT INTO personas (user_id, email, outcome, last_run_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, outcome = excluded.outcome, last_run_at = excluded.last_run_at,
           updated_at = excluded.updated_at, doc = excluded.doc
         WHERE excluded.updated_at >= personas.updated_at
           AND json_remove(excluded.doc, '$.updatedAt') != json_remove(personas.doc, '$.updatedAt')`,
        summary.userId,
        summary.email,
        outcomeOf(summary),
        lastRunAt,
        summary.updatedAt,
        doc,
      );
    }
  }

  page(options: { sort?: DirectorySort; offset?: number; limit?: number } = {}): DirectoryPage {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), PAGE_MAX);
    const offset = Math.max(options.offset ?? 0, 0);
    const personas = this.sql
      .exec<{ doc: string }>(`SELECT doc FROM personas ORDER BY ${ORDER[options.sort ?? "lastRun"]} LIMIT ? OFFSET ?`, limit, offset)
      .toArray()
      .map((row) => JSON.parse(row.doc) as PersonaSummary);
    return { personas, total: this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM personas").one().n, offset, limit };
  }
}

function outcomeOf(summary: PersonaSummary): string {
  if (summary.activeRun) return "active";
  return summary.lastRun?.phase ?? "never ran";
}

export function directory(ns: DurableObjectNamespace<Directory>): DurableObjectStub<Directory> {
  return ns.get(ns.idFromName("directory"));
}
