/**
 * @module
 * Findings as stored: one row per kind and subject holding its current occurrence; resolved ones are kept a
 * while for the status page and then dropped, so the table stays bounded by the number of subjects.
 */
import type { Finding } from "./lifecycle";

const RESOLVED_KEPT_MS = 30 * 24 * 3_600_000;

export interface Page {
  /** -1: all of them. */
  limit: number;
  offset: number;
}

export class FindingStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS findings (id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, opened_at INTEGER NOT NULL,
        resolved_at INTEGER, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS findings_by_state ON findings (state, opened_at);`);
  }

  get(id: string): Finding | undefined {
    const row = this.sql.exec<{ doc: string }>("SELECT doc FROM findings WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.doc) as Finding) : undefined;
  }

  save(finding: Finding): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO findings (id, kind, state, opened_at, resolved_at, doc) VALUES (?, ?, ?, ?, ?, ?)",
      finding.id,
      finding.kind,
      finding.state,
      finding.openedAt,
      finding.resolvedAt ?? null,
      JSON.stringify(finding),
    );
  }

  /** Open findings, newest first. */
  open(): Finding[] {
    return this.#docs("SELECT doc FROM findings WHERE state = 'open' ORDER BY opened_at DESC");
  }

  /** Resolved since then, newest first; closed into another finding they were merged into are left out. */
  resolvedSince(since: number, page: Page = { limit: -1, offset: 0 }): Finding[] {
    return this.#docs("SELECT doc FROM findings WHERE state = 'resolved' AND resolved_at >= ? AND doc NOT LIKE '%\"mergedInto\"%' ORDER BY resolved_at DESC LIMIT ? OFFSET ?", since, page.limit, page.offset);
  }

  /** Open findings, newest first, a page of them. */
  openPage(page: Page): Finding[] {
    return this.#docs("SELECT doc FROM findings WHERE state = 'open' ORDER BY opened_at DESC LIMIT ? OFFSET ?", page.limit, page.offset);
  }

  counts(resolvedSince: number): { open: number; resolved: number } {
    return this.sql
      .exec<{ open: number; resolved: number }>(
        "SELECT SUM(state = 'open') AS open, SUM(state = 'resolved' AND resolved_at >= ? AND doc NOT LIKE '%\"mergedInto\"%') AS resolved FROM findings",
        resolvedSince,
      )
      .toArray()
      .map((row) => ({ open: row.open ?? 0, resolved: row.resolved ?? 0 }))[0] ?? { open: 0, resolved: 0 };
  }

  openByKind(): Record<string, number> {
    const rows = this.sql.exec<{ kind: string; n: number }>("SELECT kind, COUNT(*) AS n FROM findings WHERE state = 'open' GROUP BY kind").toArray();
    return Object.fromEntries(rows.map((row) => [row.kind, row.n]));
  }

  prune(now: number): void {
    this.sql.exec("DELETE FROM findings WHERE state = 'resolved' AND resolved_at < ?", now - RESOLVED_KEPT_MS);
  }

  #docs(query: string, ...bindings: number[]): Finding[] {
    return this.sql
      .exec<{ doc: string }>(query, ...bindings)
      .toArray()
      .map((row) => JSON.parse(row.doc) as Finding);
  }
}
