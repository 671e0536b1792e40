/** @module Batch ingestion for the action and feedback ledgers, checked in mana-auth's order and written all or nothing. */
import type { Context } from "hono";
import { z } from "zod";
import type { AuthDeps } from "./deps";
import { routeError } from "./errors";
import { findPersona } from "./personas";

/** One of the two append-only persona ledgers mana-auth accepts batches for. */
export interface Ledger<Row> {
  key: "actions" | "feedback";
  max: number;
  row: z.ZodType<Row>;
  write(sql: SqlStorage, userId: string, rows: Row[], nowMs: number): void;
}

/**
 * POST /api/v1/internal/personas/:id/<ledger>, checks in mana-auth's order (docs/contracts.md §1.1): persona before the
 * body is read, then JSON, array, size, every row; the batch is written all or nothing.
 */
export function ingest<Row>(deps: AuthDeps, ledger: Ledger<Row>) {
  return async (c: Context): Promise<Response> => {
    const userId = c.req.param("id") ?? "";
    if (!findPersona(deps.sql, userId)) return routeError(404, "Persona not found");
    const body = await readJson(c.req.raw);
    if (!body.ok) return routeError(400, "Invalid JSON");
    const rows: unknown = (body.value as Record<string, unknown> | null)?.[ledger.key];
    if (!Array.isArray(rows) || rows.length === 0) return routeError(400, `${ledger.key} must be a non-empty array`);
    if (rows.length > ledger.max) return routeError(400, `At most ${ledger.max} ${ledger.key} per request`);
    const parsed = z.array(ledger.row).safeParse(rows);
    if (!parsed.success) return routeError(400, describeIssue(ledger.key, parsed.error.issues[0]));
    deps.transaction(() => ledger.write(deps.sql, userId, parsed.data, deps.clock.now()));
    return c.json({ ok: true, written: rows.length });
  };
}

function describeIssue(key: string, issue: z.core.$ZodIssue | undefined): string {
  return `Invalid ${[key, ...(issue?.path ?? [])].join(".")}: ${issue?.message}`;
}

async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: JSON.parse(await request.text()) };
  } catch {
    return { ok: false };
  }
}
