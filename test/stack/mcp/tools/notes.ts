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
  updatedAt: string;
}

const KIND = "note";

export const noteTools = [
  defineTool({
    name: "notes.create",
    description:
      "Create a new markdown note in the active space. `content` supports full markdown. Values are encrypted before storage; the returned note is the plaintext snapshot.",
    input: {
      title: z.string().min(1).max(500),
      content: z.string().max(200_000).default(""),
      color: z.string().regex(/^#[0-9a-fA-F]{6}$/).nullable().default(null),
      isPinned: z.boolean().default(false),
    },
    run: (args, { records, space, now }) => {
      const at = now.toISOString();
      const note = records.insert<Note>(space, KIND, { id: crypto.randomUUID(), ...args, isArchived: false, createdAt: at, updatedAt: at });
      return { note };
    },
  }),
  defineTool({
    name: "notes.search",
    description:
      "Search notes by case-insensitive substring match against title+content. Empty query returns the most recent notes. Decryption happens server-side after pull; the returned notes are plaintext.",
    input: {
      query: z.string().max(500).default(""),
      includeArchived: z.boolean().default(false),
      limit: z.int().positive().max(100).default(20),
    },
    run: (args, { records, space }) => {
      const needle = args.query.trim().toLowerCase();
      const notes = records
        .list<Note>(space, KIND)
        .filter((note) => args.includeArchived || !note.isArchived)
        .filter((note) => !needle || note.title.toLowerCase().includes(needle) || note.content.toLowerCase().includes(needle));
      return { notes: notes.slice(0, args.limit) };
    },
  }),
];
