/** @module The due list's intake: each entry validated on its own, malformed or repeated personas reported and skipped; chunking for fan-out. */
import { type DuePersona, duePersonaSchema } from "../mana/schemas";

export interface InvalidEntry {
  index: number;
  userId?: string;
  error: string;
}

/** Validates each due entry on its own: one malformed persona is reported and skipped, the rest run. */
export function parseDueEntries(entries: readonly unknown[]): { valid: DuePersona[]; invalid: InvalidEntry[] } {
  const valid: DuePersona[] = [];
  const invalid: InvalidEntry[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const parsed = duePersonaSchema.safeParse(entry);
    if (!parsed.success) {
      const userId = (entry as { userId?: unknown } | null)?.userId;
      const error = parsed.error.issues.map((issue) => `${issue.path.join(".") || "entry"}: ${issue.message}`).join("; ");
      invalid.push({ index, ...(typeof userId === "string" ? { userId } : {}), error });
    } else if (seen.has(parsed.data.userId)) {
      invalid.push({ index, userId: parsed.data.userId, error: "userId listed twice" });
    } else {
      seen.add(parsed.data.userId);
      valid.push(parsed.data);
    }
  });
  return { valid, invalid };
}

/** Splits work into chunks of at most `size`, keeping order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
