import { z } from "zod";
import type { FeedbackRow } from "../mana/schemas";

export const PARSE_MARKER = "__parse";
const NOTES_MAX = 1000;

const ratingsSchema = z.object({
  ratings: z.array(z.object({ module: z.string(), rating: z.number(), notes: z.string().optional() })),
});

/**
 * Turns the model's rating answer into feedback rows: only modules actually used, first rating per module,
 * integer 1–5 (mana-auth stores SMALLINT). Anything unusable becomes one `__parse` row carrying the raw text,
 * so a broken answer is visible in mana-auth instead of silently missing.
 */
export function parseRatings(text: string, modulesUsed: readonly string[], tickId: string): FeedbackRow[] {
  const parsed = ratingsSchema.safeParse(extractJson(text));
  const used = new Set(modulesUsed);
  const rows = new Map<string, FeedbackRow>();
  for (const entry of parsed.success ? parsed.data.ratings : []) {
    if (!used.has(entry.module) || rows.has(entry.module) || !Number.isFinite(entry.rating)) continue;
    const rating = Math.min(5, Math.max(1, Math.round(entry.rating)));
    const notes = entry.notes?.slice(0, NOTES_MAX);
    rows.set(entry.module, { tickId, module: entry.module, rating, ...(notes ? { notes } : {}) });
  }
  if (rows.size > 0) return [...rows.values()];
  return [{ tickId, module: PARSE_MARKER, rating: 3, notes: `unparseable rating answer: ${text}`.slice(0, NOTES_MAX) }];
}

function extractJson(text: string): unknown {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
