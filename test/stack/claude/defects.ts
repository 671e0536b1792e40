/** @module The Claude stand-in's defect mode: from a given UTC day on, every persona gives one module the same low rating. */
import { z } from "zod";

const ratingDrop = z.strictObject({
  module: z.string().min(1),
  from: z.iso.date().describe("the first UTC day of the drop"),
  rating: z.int().min(1).max(5).default(1),
});

/** Body of PUT /__stack/claude/defects: a key left out stays as it is, null switches its mode off. */
export const defectsInput = z.strictObject({ ratingDrop: ratingDrop.nullable().optional() });

type RatingDrop = z.output<typeof ratingDrop>;

/**
 * What a regression in the real app does to the personas' verdicts, switchable per test. ratingDrop: from a
 * given day on, one module gets the same low rating from everyone, as after a release that broke it, so the
 * runner's rating-trend alerts have something real to find.
 */
export class ClaudeDefects {
  #ratingDrop: RatingDrop | null = null;

  set(input: z.output<typeof defectsInput>): void {
    if (input.ratingDrop !== undefined) this.#ratingDrop = input.ratingDrop;
  }

  state(): { ratingDrop: RatingDrop | null } {
    return { ratingDrop: this.#ratingDrop };
  }

  /** The rating every persona gives `module` at `now`, when a drop covers that day; undefined otherwise. */
  forcedRating(module: string, now: Date): number | undefined {
    const drop = this.#ratingDrop;
    if (!drop || drop.module !== module) return undefined;
    return now.toISOString().slice(0, 10) >= drop.from ? drop.rating : undefined;
  }
}
