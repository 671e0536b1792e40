/**
 * @module
 * mana-auth's wire shapes as zod schemas and row types (docs/contracts.md §1).
 */
import { z } from "zod";
import { SYSTEM_PROMPT_MAX_CHARS, truncate } from "../caps";

export const cadenceSchema = z.enum(["daily", "weekdays", "hourly"]);
export type Cadence = z.infer<typeof cadenceSchema>;

const MODULE_MIX_MAX = 50;

/** One entry of GET /api/v1/internal/personas/due (docs/contracts.md §1.1). */
export const duePersonaSchema = z.object({
  userId: z.string().min(1).max(64),
  email: z.email(),
  archetype: z.string().transform((archetype) => truncate(archetype, 200)),
  // Capped at intake: the prompt rides on every dispatch and every model request.
  systemPrompt: z.string().min(1).transform((prompt) => truncate(prompt, SYSTEM_PROMPT_MAX_CHARS)),
  // The mix names modules for the prompt: a bounded number of short names, the heaviest kept.
  moduleMix: z
    .record(z.string().max(64), z.number().min(0))
    .transform((mix) => Object.fromEntries(Object.entries(mix).sort(([, a], [, b]) => b - a).slice(0, MODULE_MIX_MAX))),
  tickCadence: cadenceSchema,
  lastActiveAt: z.iso.datetime({ offset: true }).nullable(),
});
export type DuePersona = z.infer<typeof duePersonaSchema>;

export const dueListSchema = z.object({ personas: z.array(z.unknown()), serverTime: z.string() });

export const loginSuccessSchema = z.object({
  user: z.object({ id: z.string() }),
  accessToken: z.string().min(1),
});

export const loginErrorSchema = z.object({
  error: z.string(),
  message: z.string().optional(),
  retryAfterSec: z.number().optional(),
});

export const membershipsSchema = z.object({
  memberships: z.array(z.object({ organizationId: z.string(), role: z.string() })),
});

const metadataSchema = z.union([
  z.record(z.string(), z.unknown()),
  z.string().transform((raw, ctx) => {
    try {
      return z.record(z.string(), z.unknown()).parse(JSON.parse(raw));
    } catch {
      ctx.addIssue({ code: "custom", message: "metadata is not a JSON object" });
      return z.NEVER;
    }
  }),
]);

export const organizationListSchema = z.array(
  z.object({ id: z.string(), name: z.string().optional(), metadata: metadataSchema.nullish() }),
);

/** mana-auth refuses a larger actions batch whole, with 400 (docs/contracts.md §1.1). */
export const ACTION_BATCH_MAX = 500;

/** Rows of POST .../actions and .../feedback (docs/contracts.md §1.1): integers only, or mana-auth answers 500. */
export interface ActionRow {
  tickId: string;
  toolName: string;
  result: "ok" | "error";
  inputHash?: string;
  errorMessage?: string;
  latencyMs?: number;
}

export interface FeedbackRow {
  tickId: string;
  module: string;
  rating: number;
  notes?: string;
}
