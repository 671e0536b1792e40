/** @module Who the Claude stand-in plays, read from the runner's prompt: name, topics, preferred modules and how many calls to make. */
import { firstUserText, systemText } from "./conversation";
import { hash } from "../hash";
import type { MessagesRequest } from "./wire";

/** Who the model is asked to play, read from the prompt the runner builds. */
export interface Persona {
  /** System prompt + first user message: the same persona on the same brief always plays the same way. */
  seed: string;
  /** The system prompt alone: what a persona thinks of a module does not change with the day's brief. */
  opinion: string;
  name: string;
  /** Topics the prompt mentions ("Studium", "Meeting"), so generated texts sound like this persona's life. */
  topics: string[];
  prefers(module: string): boolean;
  /** How many tool calls this persona makes in a run: 3..8. */
  targetCalls: number;
}

/**
 * Everyday topics a persona prompt may touch (matched at a word start, so "Meeting" finds "Meetings").
 * A fixed list keeps generated sentences grammatical, which arbitrary nouns from the prompt would not.
 */
const TOPICS = [
  "Studium", "Uni", "Prüfung", "Hausarbeit", "Sport", "Training", "Meeting", "Termine", "Kontakte", "Projekt",
  "Kunden", "Familie", "Kinder", "Einkauf", "Haushalt", "Bücher", "Artikel", "Träume", "Schlaf", "Rechnungen",
  "Steuer", "Reise", "Garten", "Kochen", "Musik", "Arbeit", "Team", "Ziele", "Gesundheit", "Stimmung",
  "Gedanken", "Aufgaben", "Tagesplanung", "Recherche", "Nachrichten",
];
const EVERYDAY = ["Alltag", "Einkauf", "Termine"];

export function readPersona(request: MessagesRequest): Persona {
  const seed = `${systemText(request)}\n${firstUserText(request)}`;
  const name = /Du bist (\p{Lu}\p{L}+)/u.exec(seed)?.[1] ?? "ich";
  return {
    seed,
    opinion: systemText(request),
    name,
    topics: topicsOf(seed),
    prefers: (module) => mentions(seed, module),
    targetCalls: pinnedCalls(seed) ?? 3 + (hash(seed) % 6),
  };
}

/** Benchmarks pin the run length with `[stand-in tool calls: N]` in the persona's prompt. */
function pinnedCalls(seed: string): number | undefined {
  const pinned = /\[stand-in tool calls: (\d+)\]/.exec(seed)?.[1];
  return pinned === undefined ? undefined : Number(pinned);
}

function topicsOf(text: string): string[] {
  const topics = TOPICS.filter((topic) => new RegExp(`(?<![\\p{L}])${topic}`, "iu").test(text));
  return topics.length > 0 ? topics : EVERYDAY;
}

/** Whole-word, case-insensitive: "todo" matches "Module: todo, mood" but not "todos". */
function mentions(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, "iu").test(text);
}
