/** @module The stand-in personas' German phrases: titles, sentences, preambles, closings and small values with each persona's topics. */
import type { Rng } from "../hash";
import type { Persona } from "./persona";

/** The persona's German voice: short, everyday phrases with the persona's own topics worked in. */

const TITLES: Record<string, readonly string[]> = {
  todo: [
    "{topic} vorbereiten",
    "Wäsche waschen",
    "Mails beantworten",
    "Einkaufen: Milch, Brot, Kaffee",
    "{topic}: nächsten Schritt planen",
  ],
  notes: ["Gedanken zu {topic}", "Ideen fürs Wochenende", "Notiz: {topic}", "Was ich nicht vergessen will"],
  journal: ["Ein ganz normaler Tag", "Was mich heute beschäftigt", "Abends kurz notiert"],
  habits: ["Morgens ein Glas Wasser", "Zehn Minuten lesen", "Spazieren gehen", "{topic} üben"],
  comic: ["Mein Tag als Comic", "{topic}: die Geschichte", "Abenteuer im Alltag"],
  wardrobe: ["Outfit fürs Büro", "Outfit fürs Wochenende", "Look für {topic}"],
};
const GENERIC_TITLES = ["{topic}", "Kurz festhalten: {topic}", "{topic} nicht vergessen"];

const SENTENCES = [
  "Heute war viel los, {topic} hat mich den halben Tag beschäftigt.",
  "Ich will mir merken, dass {topic} besser klappt, wenn ich früh anfange.",
  "Kurz notiert, bevor ich es wieder vergesse: {topic}.",
  "Eigentlich ganz gut gelaufen, nur {topic} hat länger gedauert als gedacht.",
  "Morgen unbedingt an {topic} denken.",
];

const TAGS = ["alltag", "wichtig", "idee", "später", "privat"];
const PEOPLE = ["allein", "Freunde", "Familie", "Kollegen"];
const ICONS = ["star", "book", "heart", "sun"];
const COLORS = ["#6366f1", "#22c55e", "#f97316", "#0ea5e9"];

const READ_PREAMBLES = [
  "Mal schauen, was bei {module} so ansteht.",
  "Kurz in {module} reinschauen.",
  "Erst mal Überblick verschaffen.",
];
const WRITE_PREAMBLES = [
  "Das trage ich gleich mal ein.",
  "Okay, schnell festhalten, bevor ich's vergesse.",
  "Noch eben in {module} eintragen.",
];
const CLOSINGS = ["Reicht für heute.", "Fühlt sich gut an, das erledigt zu haben.", "Morgen mache ich weiter."];
const CHATS = ["Alles klar, ich melde mich später wieder.", "Danke, das passt für heute.", "Okay, ich denk drüber nach."];

export function fill(template: string, persona: Persona, rng: Rng, module = ""): string {
  return template.replaceAll("{topic}", rng.pick(persona.topics)).replaceAll("{module}", module);
}

export function title(persona: Persona, rng: Rng, module: string): string {
  return fill(rng.pick(TITLES[module] ?? GENERIC_TITLES), persona, rng);
}

export function sentence(persona: Persona, rng: Rng): string {
  return fill(rng.pick(SENTENCES), persona, rng);
}

export function searchWord(persona: Persona, rng: Rng): string {
  return rng.pick(persona.topics);
}

export function tag(rng: Rng): string {
  return rng.pick(TAGS);
}

export function person(rng: Rng): string {
  return rng.pick(PEOPLE);
}

export function icon(rng: Rng): string {
  return rng.pick(ICONS);
}

export function color(rng: Rng): string {
  return rng.pick(COLORS);
}

export function preamble(persona: Persona, rng: Rng, kind: "read" | "write", module: string): string {
  return fill(rng.pick(kind === "read" ? READ_PREAMBLES : WRITE_PREAMBLES), persona, rng, module);
}

export function summary(rng: Rng, calls: number, modules: readonly string[]): string {
  const where = modules.length > 0 ? ` (${modules.join(", ")})` : "";
  return `Fertig für heute: ${calls} Sachen in Mana erledigt${where}. ${rng.pick(CLOSINGS)}`;
}

export function chat(persona: Persona, rng: Rng): string {
  return `${persona.name === "ich" ? "" : `${persona.name} hier. `}${rng.pick(CHATS)}`;
}
