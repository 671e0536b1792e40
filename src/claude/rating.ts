/**
 * @module
 * The rating answer turned into feedback rows, entry by entry: one bad entry is dropped with its reason, the
 * rest are kept; an answer with nothing usable becomes one `__parse` row so the failure is visible in mana-auth.
 */
import { z } from "zod";
import { truncate } from "../caps";
import type { FeedbackRow } from "../mana/schemas";

/** Marks the row of an unusable rating answer; it is never a rating (no chart, metric or average counts it). */
export const PARSE_MARKER = "__parse";
const NOTES_MAX = 1000;

const answerSchema = z.object({ ratings: z.array(z.unknown()) });
const entrySchema = z.object({
  module: z.string().min(1),
  // "5" is a rating of 5; mana-auth's column is SMALLINT, so a 4.6 is rounded, never sent as is.
  rating: z.union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/).transform(Number)]).transform(Math.round).pipe(z.int().min(1).max(5)),
  notes: z.string().optional(),
});

export interface DroppedRating {
  entry: string;
  reason: string;
}

export interface ParsedRatings {
  feedback: FeedbackRow[];
  dropped: DroppedRating[];
}

export function parseRatings(text: string, modulesUsed: readonly string[], tickId: string): ParsedRatings {
  const answer = answerSchema.safeParse(extractJson(text));
  const used = new Set(modulesUsed);
  const rows = new Map<string, FeedbackRow>();
  const dropped: DroppedRating[] = [];
  for (const raw of answer.success ? answer.data.ratings : []) {
    const reason = rejection(raw, used, rows);
    if (reason) {
      dropped.push({ entry: truncate(JSON.stringify(raw) ?? String(raw), 200), reason });
      continue;
    }
    const entry = entrySchema.parse(raw);
    const notes = entry.notes?.slice(0, NOTES_MAX);
    rows.set(entry.module, { tickId, module: entry.module, rating: entry.rating, ...(notes ? { notes } : {}) });
  }
  if (rows.size > 0) return { feedback: [...rows.values()], dropped };
  const marker = { tickId, module: PARSE_MARKER, rating: 3, notes: `unparseable rating answer: ${text}`.slice(0, NOTES_MAX) };
  return { feedback: [marker], dropped };
}

function rejection(raw: unknown, used: ReadonlySet<string>, kept: ReadonlyMap<string, FeedbackRow>): string | undefined {
  const entry = entrySchema.safeParse(raw);
  if (!entry.success) return entry.error.issues.map((issue) => `${issue.path.join(".") || "entry"}: ${issue.message}`).join("; ");
  if (!used.has(entry.data.module)) return `module ${entry.data.module} was not used in this run`;
  if (kept.has(entry.data.module)) return `a second rating for ${entry.data.module} (the first one counts)`;
  return undefined;
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
