/**
 * @module
 * The Claude stand-in's defect modes: from a given UTC day on, every persona gives one module the same low rating;
 * and the model's own mistakes at a rate, calls missing a required field or acting on an id it made up.
 */
import { z } from "zod";
import type { Mistakes } from "./play";

const ratingDrop = z.strictObject({
  module: z.string().min(1),
  from: z.iso.date().describe("the first UTC day of the drop"),
  rating: z.int().min(1).max(5).default(1),
});

const mistakeRate = z.strictObject({ rate: z.number().gt(0).max(1) });
const off = z.union([z.null(), z.literal(false)]);

/** Body of PUT /__stack/claude/defects: a key left out stays as it is, null (or false) switches its mode off. */
export const defectsInput = z.strictObject({
  ratingDrop: ratingDrop.nullable().optional(),
  invalidArgs: z.union([mistakeRate, off]).optional(),
  madeUpIds: z.union([mistakeRate, off]).optional(),
});

type RatingDrop = z.output<typeof ratingDrop>;

export interface ClaudeDefectState {
  ratingDrop: RatingDrop | null;
  invalidArgs: { rate: number } | null;
  madeUpIds: { rate: number } | null;
}

/**
 * What a regression in the real app does to the personas' verdicts, and what a sloppy model does to its calls,
 * switchable per test. ratingDrop: from a given day on, one module gets the same low rating from everyone, as
 * after a release that broke it, so the runner's rating-trend alerts have something real to find. invalidArgs and
 * madeUpIds: errors that are the model's, not the app's, which findings must not blame on mana.
 */
export class ClaudeDefects {
  #state: ClaudeDefectState = { ratingDrop: null, invalidArgs: null, madeUpIds: null };

  set(input: z.output<typeof defectsInput>): void {
    if (input.ratingDrop !== undefined) this.#state.ratingDrop = input.ratingDrop;
    if (input.invalidArgs !== undefined) this.#state.invalidArgs = input.invalidArgs || null;
    if (input.madeUpIds !== undefined) this.#state.madeUpIds = input.madeUpIds || null;
  }

  state(): ClaudeDefectState {
    return structuredClone(this.#state);
  }

  /** The rating every persona gives `module` at `now`, when a drop covers that day; undefined otherwise. */
  forcedRating(module: string, now: Date): number | undefined {
    const drop = this.#state.ratingDrop;
    if (!drop || drop.module !== module) return undefined;
    return now.toISOString().slice(0, 10) >= drop.from ? drop.rating : undefined;
  }

  mistakes(): Mistakes {
    return { invalidArgs: this.#state.invalidArgs?.rate ?? 0, madeUpIds: this.#state.madeUpIds?.rate ?? 0 };
  }
}
