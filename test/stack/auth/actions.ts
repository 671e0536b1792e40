/** @module The stand-in's action ledger: row schema, mana-auth's per-request id scheme (split batches collide), writes and reads. */
import { z } from "zod";
import { touchPersona } from "./personas";
import { pgInteger } from "./pg-columns";
import { iso } from "./time";

export const MAX_ACTIONS = 500;

export const actionRowSchema = z.object({
  tickId: z.string(),
  toolName: z.string(),
  result: z.enum(["ok", "error"]),
  inputHash: z.string().optional(),
  errorMessage: z.string().optional(),
  latencyMs: z.number().optional(),
});
export type ActionInput = z.infer<typeof actionRowSchema>;

type ActionRecord = {
  id: string;
  tick_id: string;
  tool_name: string;
  input_hash: string | null;
  result: string;
  error_message: string | null;
  latency_ms: number | null;
  created_at: number;
};

/** The index restarts at 0 in every request: that is how split batches of one tick collide (docs/contracts.md §1.1). */
export function actionId(tickId: string, index: number, toolName: string): string {
  return `${tickId}-${index}-${toolName}`.slice(0, 255);
}

/** Duplicates are ignored, yet the persona counts as active: the only way off the due list. */
export function writeActions(sql: SqlStorage, userId: string, rows: ActionInput[], nowMs: number): void {
  rows.forEach((row, index) => {
    sql.exec(
      `INSERT OR IGNORE INTO persona_actions
       (id, user_id, tick_id, tool_name, input_hash, result, error_message, latency_ms, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      actionId(row.tickId, index, row.toolName),
      userId,
      row.tickId,
      row.toolName,
      row.inputHash ?? null,
      row.result,
      row.errorMessage ?? null,
      row.latencyMs === undefined ? null : pgInteger(row.latencyMs, "integer"),
      nowMs,
    );
  });
  touchPersona(sql, userId, nowMs);
}

/** Newest first when limited (the admin view), insertion order otherwise (the stand-in's row dump). */
export function readActions(sql: SqlStorage, userId: string, newest?: number) {
  const records = newest
    ? sql.exec<ActionRecord>(
        "SELECT * FROM persona_actions WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
        userId,
        newest,
      )
    : sql.exec<ActionRecord>("SELECT * FROM persona_actions WHERE user_id = ? ORDER BY rowid", userId);
  return records.toArray().map(actionView);
}

export function countActionsSince(sql: SqlStorage, userId: string, sinceMs: number): number {
  return sql
    .exec<{ n: number }>("SELECT COUNT(*) AS n FROM persona_actions WHERE user_id = ? AND created_at >= ?", userId, sinceMs)
    .one().n;
}

function actionView(record: ActionRecord) {
  return {
    id: record.id,
    tickId: record.tick_id,
    toolName: record.tool_name,
    inputHash: record.input_hash,
    result: record.result,
    errorMessage: record.error_message,
    latencyMs: record.latency_ms,
    createdAt: iso(record.created_at),
  };
}
