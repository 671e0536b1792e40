/**
 * @module
 * mana-mcp's tool surface as the findings know it: the surface in force (and a change waiting for a second run),
 * every input schema by fingerprint, and the change events with their diffs; bounded by tools and by a ring.
 */
import { type ChangeKind, type SurfaceChange, type SurfaceState, schemaDiff } from "./surface";

const EVENTS_KEPT = 200;
const SCHEMAS_KEPT = 500;

export interface SurfaceEvent {
  at: number;
  tool: string;
  change: ChangeKind;
  from?: string;
  to?: string;
  /** For a changed schema: one line per field (src/findings/surface.ts schemaDiff). */
  diff: string[];
}

export class SurfaceStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS surface_state (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS schemas (fingerprint TEXT PRIMARY KEY, schema TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS surface_events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, tool TEXT NOT NULL, change TEXT NOT NULL,
        from_fp TEXT, to_fp TEXT, diff TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS surface_events_by_time ON surface_events (at);`);
  }

  state(): SurfaceState | undefined {
    const row = this.sql.exec<{ doc: string }>("SELECT doc FROM surface_state WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.doc) as SurfaceState) : undefined;
  }

  save(state: SurfaceState): void {
    this.sql.exec("INSERT OR REPLACE INTO surface_state VALUES (1, ?)", JSON.stringify(state));
  }

  /** Schemas a run reported; each fingerprint is stored once. */
  remember(schemas: Record<string, unknown>, at: number): void {
    for (const [fingerprint, schema] of Object.entries(schemas)) {
      this.sql.exec("INSERT OR IGNORE INTO schemas VALUES (?, ?, ?)", fingerprint, JSON.stringify(schema), at);
    }
  }

  /** Records applied changes as events, a changed schema with its field-by-field diff. */
  record(changes: readonly SurfaceChange[], at: number): SurfaceEvent[] {
    const events = changes.map((change) => ({
      at,
      ...change,
      diff: change.change === "changed" ? schemaDiff(this.#schema(change.from), this.#schema(change.to)) : [],
    }));
    for (const event of events) {
      this.sql.exec(
        "INSERT INTO surface_events (at, tool, change, from_fp, to_fp, diff) VALUES (?, ?, ?, ?, ?, ?)",
        event.at,
        event.tool,
        event.change,
        event.from ?? null,
        event.to ?? null,
        JSON.stringify(event.diff),
      );
    }
    return events;
  }

  /** The newest events first. */
  events(limit = 20, since = 0): SurfaceEvent[] {
    return this.sql
      .exec<{ at: number; tool: string; change: ChangeKind; from_fp: string | null; to_fp: string | null; diff: string }>(
        "SELECT * FROM surface_events WHERE at >= ? ORDER BY seq DESC LIMIT ?",
        since,
        limit,
      )
      .toArray()
      .map((row) => ({
        at: row.at,
        tool: row.tool,
        change: row.change,
        ...(row.from_fp ? { from: row.from_fp } : {}),
        ...(row.to_fp ? { to: row.to_fp } : {}),
        diff: JSON.parse(row.diff) as string[],
      }));
  }

  /** Tools removed from the surface since then, each with its newest removal. */
  removedSince(since: number): { tool: string; at: number }[] {
    return this.sql
      .exec<{ tool: string; at: number }>("SELECT tool, MAX(at) AS at FROM surface_events WHERE change = 'removed' AND at >= ? GROUP BY tool", since)
      .toArray();
  }

  prune(): void {
    this.sql.exec("DELETE FROM surface_events WHERE seq <= (SELECT seq FROM surface_events ORDER BY seq DESC LIMIT 1 OFFSET ?)", EVENTS_KEPT);
    const inForce = Object.values(this.state()?.tools ?? {});
    const marks = inForce.map(() => "?").join(", ") || "''";
    this.sql.exec(
      `DELETE FROM schemas WHERE fingerprint NOT IN (${marks}) AND at <= (SELECT at FROM schemas ORDER BY at DESC LIMIT 1 OFFSET ?)`,
      ...inForce,
      SCHEMAS_KEPT,
    );
  }

  #schema(fingerprint: string | undefined): unknown {
    if (!fingerprint) return undefined;
    const row = this.sql.exec<{ schema: string }>("SELECT schema FROM schemas WHERE fingerprint = ?", fingerprint).toArray()[0];
    return row ? (JSON.parse(row.schema) as unknown) : undefined;
  }
}
