/**
 * @module
 * Alert messages waiting for the webhook, each under an id that makes a retry the same message: a finding's id,
 * occurrence and event, a surface change's time, or the digest's day. Messages of one finding leave in the order
 * they were queued; nothing is sent twice by design, and nothing is dropped silently.
 */
import { backoffMs } from "../net/http";

const BACKOFF = { baseDelayMs: 2_000, maxDelayMs: 30 * 60_000 };
/** The ids of messages that tell a finding (re)opened: `…#opened`, `…#opened-2`, `…#reopened-1`. */
const OPENING = /#(re)?opened(-\d+)?$/;
/** After a day of failed attempts a message is parked as dead, kept and counted. */
const GIVE_UP_MS = 24 * 3_600_000;

export interface Alert {
  id: string;
  findingId?: string;
  body: unknown;
  /** The message in one line, for when several go out as one. */
  line: string;
  attempts: number;
  nextAt: number;
  createdAt: number;
}

type Row = { id: string; finding_id: string | null; body: string; line: string | null; attempts: number; next_at: number; created_at: number };

export class AlertOutbox {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, finding_id TEXT, body TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS alerts_due ON alerts (status, next_at);`);
    const columns = new Set(sql.exec<{ name: string }>("PRAGMA table_info(alerts)").toArray().map((row) => row.name));
    if (!columns.has("line")) sql.exec("ALTER TABLE alerts ADD COLUMN line TEXT");
    sql.exec("CREATE INDEX IF NOT EXISTS alerts_by_finding ON alerts (finding_id, status)");
  }

  /** False when a message with this id was queued before: the same event never becomes a second message. */
  enqueue(id: string, findingId: string | undefined, body: unknown, line: string, now: number): boolean {
    return (
      this.sql.exec(
        "INSERT OR IGNORE INTO alerts (id, finding_id, body, line, status, next_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        id,
        findingId ?? null,
        JSON.stringify(body),
        line,
        now,
        now,
      ).rowsWritten > 0
    );
  }

  /** Ids of a finding's messages the team has not heard: still waiting, or parked after a day of failures. */
  untold(findingId: string): string[] {
    return this.sql
      .exec<{ id: string }>("SELECT id FROM alerts WHERE finding_id = ? AND status IN ('pending', 'dead') ORDER BY created_at, rowid", findingId)
      .toArray()
      .map((row) => row.id);
  }

  /** An untold message a later one replaces (an "opened" that a "resolved" will now tell together): never sent. */
  supersede(id: string): void {
    this.sql.exec("UPDATE alerts SET status = 'superseded' WHERE id = ? AND status IN ('pending', 'dead')", id);
  }

  /**
   * Due messages in the order they were queued, at most `limit`; a message waits while an older one of the same
   * finding is still waiting or being sent, so a "resolved" never overtakes its "opened".
   */
  due(now: number, limit: number): Alert[] {
    const rows = this.sql
      .exec<Row>(
        `SELECT * FROM alerts a WHERE status = 'pending' AND next_at <= ? AND NOT EXISTS (SELECT 1 FROM alerts b WHERE b.finding_id = a.finding_id
           AND b.status IN ('pending', 'sending') AND (b.created_at < a.created_at OR (b.created_at = a.created_at AND b.rowid < a.rowid)))
         ORDER BY created_at, rowid LIMIT ?`,
        now,
        limit,
      )
      .toArray();
    return rows.map((row) => ({
      id: row.id,
      ...(row.finding_id ? { findingId: row.finding_id } : {}),
      body: JSON.parse(row.body) as unknown,
      line: row.line ?? "",
      attempts: row.attempts,
      nextAt: row.next_at,
      createdAt: row.created_at,
    }));
  }

  /** How many messages are due now, to say how many a batch leaves for later. */
  dueCount(now: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM alerts WHERE status = 'pending' AND next_at <= ?", now).one().n;
  }

  /** Messages under way: no later event may replace or mute them any more, they are as good as told. */
  sending(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec("UPDATE alerts SET status = 'sending' WHERE id = ? AND status = 'pending'", id);
  }

  /** Messages left under way by a pass that never finished (the object was evicted): they wait again. */
  unstick(): void {
    this.sql.exec("UPDATE alerts SET status = 'pending' WHERE status = 'sending'");
  }

  delivered(id: string, attempts: number): void {
    this.sql.exec("UPDATE alerts SET status = 'delivered', attempts = ?, last_error = NULL WHERE id = ? AND status = 'sending'", attempts, id);
  }

  /** Another attempt later, with backoff and jitter; after a day of failures the message is parked. */
  failed(alert: Pick<Alert, "id" | "attempts" | "createdAt">, error: string, now: number): void {
    const attempts = alert.attempts + 1;
    const dead = now - alert.createdAt >= GIVE_UP_MS;
    this.sql.exec(
      "UPDATE alerts SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ? AND status = 'sending'",
      dead ? "dead" : "pending",
      attempts,
      now + backoffMs(attempts, BACKOFF),
      error.slice(0, 500),
      alert.id,
    );
  }

  /** An acknowledged finding's waiting "opened" or "reopened" message is never sent; its "resolved" will be. */
  mute(findingId: string): void {
    for (const id of this.untold(findingId)) if (OPENING.test(id)) this.sql.exec("UPDATE alerts SET status = 'muted' WHERE id = ? AND status = 'pending'", id);
  }

  nextAt(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM alerts WHERE status = 'pending'").one().at ?? undefined;
  }

  /** Messages the webhook has not accepted yet: waiting, or under way. */
  pending(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM alerts WHERE status IN ('pending', 'sending')").one().n;
  }

  /** How delivery stands, for the findings API: what waits, and the last failure while anything does. */
  state(): { pending: number; lastError?: string } {
    const pending = this.pending();
    const failing = this.sql.exec<{ last_error: string }>("SELECT last_error FROM alerts WHERE status = 'pending' AND last_error IS NOT NULL ORDER BY next_at LIMIT 1").toArray()[0];
    return { pending, ...(failing ? { lastError: failing.last_error } : {}) };
  }

  /** Delivered and parked messages older than a week are dropped; their findings keep the story. */
  prune(now: number): void {
    this.sql.exec("DELETE FROM alerts WHERE status != 'pending' AND created_at < ?", now - 7 * 24 * 3_600_000);
  }
}
