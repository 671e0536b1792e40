/** @module The stand-in's note tools: create a note, and search titles and texts (an empty query lists the newest notes). */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { defineTool } from "./tool";

interface Note extends StoredRecord {
  title: string;
  content: string;
  color: string | null;
  isPinned: boolean;
  isArchived: boolean;
  createdAt: string;
}

const KIND = "note";

export const noteTools = [
  defineTool({
    name: "notes.create",
    description: "Save a note with a title and optional text. Pinned notes stay on top of the user's note list.",
    input: {
      title: z.string().min(1).max(500),
      content: z.string().default(""),
      color: z.string().nullable().default(null),
      isPinned: z.boolean().default(false),
    },
    run: (args, { records, space, now }) =>
      records.insert<Note>(space, KIND, { id: crypto.randomUUID(), ...args, isArchived: false, createdAt: now.toISOString() }),
  }),
  defineTool({
    name: "notes.search",
    description:
      "Search the user's notes by words in title or text (case-insensitive); an empty query lists the most recent notes.",
    input: {
      query: z.string().default(""),
      includeArchived: z.boolean().default(false),
      limit: z.int().min(1).max(100).default(20),
    },
    run: (args, { records, space }) => {
      const needle = args.query.trim().toLowerCase();
      const notes = records
        .list<Note>(space, KIND)
        .filter((note) => args.includeArchived || !note.isArchived)
        .filter((note) => `${note.title}\n${note.content}`.toLowerCase().includes(needle));
      return { notes: notes.slice(0, args.limit), total: notes.length };
    },
  }),
];
