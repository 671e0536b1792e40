/**
 * @module
 * A run's transcript as replayed from its stored steps: the main turn's conversation, the read-after-write
 * checks and the rating, each step stored once in the order it happened.
 */
import { applyTurnStep, type Conversation, emptyConversation, type TurnStep } from "../claude/conversation";
import type { DroppedRating } from "../claude/rating";
import { addUsage, type Usage } from "../claude/usage";
import type { FeedbackRow } from "../mana/schemas";
import type { VerificationStep } from "../verify/verify";

export interface RatingStep {
  type: "rating";
  /** The answer as stored (cut with a marker if it ran long); the feedback was parsed from the whole of it. */
  text: string;
  feedback: FeedbackRow[];
  dropped: DroppedRating[];
  usage: Usage;
}

export type RunStep = TurnStep | VerificationStep | RatingStep;

export interface Transcript {
  conversation: Conversation;
  verification: VerificationStep[];
  rating?: RatingStep;
  /** Every model call's usage: the main turn's and the rating's. */
  usage: Usage;
}

export function replay(steps: readonly RunStep[]): Transcript {
  const transcript: Transcript = { conversation: emptyConversation(), verification: [], usage: emptyConversation().usage };
  for (const step of steps) apply(transcript, step);
  return transcript;
}

export function apply(transcript: Transcript, step: RunStep): void {
  if (step.type === "verification") {
    transcript.verification.push(step);
  } else if (step.type === "rating") {
    transcript.rating = step;
    transcript.usage = addUsage(transcript.usage, step.usage);
  } else {
    applyTurnStep(transcript.conversation, step);
    if (step.type === "response") transcript.usage = addUsage(transcript.usage, step.usage);
  }
}
