/** @module The stand-in's feedback ledger: first rating per tick and module wins, and the admin per-module view with mana-auth's avgRating bug. */
import { z } from "zod";
import { pgInteger } from "./pg-columns";
import { iso } from "./time";

export const MAX_FEEDBACK = 100;
const RECENT_PER_MODULE = 5;

export const feedbackRowSchema = z.object({
  tickId: z.string(),
  module: z.string(),
  rating: z.number().min(1).max(5),
  notes: z.string().optional(),
});
export type FeedbackInput = z.infer<typeof feedbackRowSchema>;

type FeedbackRecord = {
  id: string;
  tick_id: string;
  module: string;
  rating: number;
  notes: string | null;
  created_at: number;
};

/** One rating per module per tick, first one wins; last_active_at is deliberately left alone (docs/contracts.md §1.1). */
export function writeFeedback(sql: SqlStorage, userId: string, rows: FeedbackInput[], nowMs: number): void {
  for (const row of rows) {
    sql.exec(
      `INSERT OR IGNORE INTO persona_feedback (id, user_id, tick_id, module, rating, notes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      `${row.tickId}-${row.module}`,
      userId,
      row.tickId,
      row.module,
      pgInteger(row.rating, "smallint"),
      row.notes ?? null,
      nowMs,
    );
  }
}

/** Insertion order, ids included: the stand-in's row dump. */
export function readFeedback(sql: SqlStorage, userId: string) {
  return sql
    .exec<FeedbackRecord>("SELECT * FROM persona_feedback WHERE user_id = ? ORDER BY rowid", userId)
    .toArray()
    .map((record) => ({ id: record.id, module: record.module, ...feedbackView(record) }));
}

/**
 * Per module, alphabetically, as the real admin detail's `feedbackByModule`: its `avgRating` is the number of
 * rows, not their mean (a known defect of mana-auth, kept so whoever reads it meets it here first). `count`,
 * `meanRating` (the true mean) and `recent` (the latest few) are the stand-in's additions.
 */
export function feedbackByModule(sql: SqlStorage, userId: string) {
  const byModule = new Map<string, FeedbackRecord[]>();
  for (const record of newestFirst(sql, userId)) {
    byModule.set(record.module, [...(byModule.get(record.module) ?? []), record]);
  }
  return [...byModule.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([module, records]) => ({
      module,
      avgRating: records.length,
      count: records.length,
      meanRating: Math.round((records.reduce((sum, r) => sum + r.rating, 0) / records.length) * 100) / 100,
      recent: records.slice(0, RECENT_PER_MODULE).map(feedbackView),
    }));
}

function newestFirst(sql: SqlStorage, userId: string): FeedbackRecord[] {
  return sql
    .exec<FeedbackRecord>("SELECT * FROM persona_feedback WHERE user_id = ? ORDER BY created_at DESC, rowid DESC", userId)
    .toArray();
}

function feedbackView(record: FeedbackRecord) {
  return { tickId: record.tick_id, rating: record.rating, notes: record.notes, createdAt: iso(record.created_at) };
}
