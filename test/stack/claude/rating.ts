/** @module The stand-in's rating turn: stable per-persona scores with German notes; forced by the defect mode, cut by the fault. */
import type { Answer } from "./answer-types";
import { hash } from "../hash";
import type { Persona } from "./persona";

export interface Rating {
  module: string;
  rating: number;
  notes: string;
}

const NOTES: Record<number, string> = {
  5: "{module} hat richtig gut funktioniert, genau so brauche ich das.",
  4: "{module} läuft gut, nur ein paar Kleinigkeiten haben mich gebremst.",
  3: "{module} ist okay, aber ich musste öfter suchen, wo was ist.",
  2: "{module} hat mich eher genervt, vieles war umständlich.",
  1: "Mit {module} bin ich heute gar nicht klargekommen.",
};

/** A rating the stand-in imposes on a module (a defect mode), whatever the persona would say. */
export type ForcedRating = (module: string) => number | undefined;

/** The rating turn: exactly the modules asked for, as the JSON the runner's prompt demands. */
export function ratingTurn(persona: Persona, modules: readonly string[], malformed: boolean, forced: ForcedRating): Answer {
  const ratings = modules.map((module) => rate(persona, module, forced(module)));
  const json = JSON.stringify({ ratings });
  // Cut inside the first notes string: what a model that lost the thread produces, and never valid JSON.
  const text = malformed ? `Hier meine Bewertung:\n${json.slice(0, json.indexOf('"notes"') + 14)}` : json;
  return { content: [{ type: "text", text }], stop_reason: "end_turn" };
}

/**
 * A persona likes the modules it prefers a little more; otherwise the score is a stable coin of the seed. A
 * forced rating comes with the notes of that rating, so text and number agree as they would from the model.
 */
function rate(persona: Persona, module: string, forced: number | undefined): Rating {
  const base = 1 + (hash(`${persona.opinion}:rating:${module}`) % 5);
  const rating = forced ?? Math.min(5, base + (persona.prefers(module) ? 1 : 0));
  return { module, rating, notes: NOTES[rating]!.replace("{module}", capitalise(module)) };
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
