/** @module The stand-in's journal.add: an entry with optional title, one of the German mood words, tags, its word count, and today's UTC date by default. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { day, utcDay } from "./dates";
import { defineTool } from "./tool";

const MOODS = ["dankbar", "glücklich", "zufrieden", "neutral", "nachdenklich", "traurig", "gestresst", "wütend"] as const;

interface JournalEntry extends StoredRecord {
  title: string | null;
  content: string;
  entryDate: string;
  mood: (typeof MOODS)[number] | null;
  tags: string[];
  wordCount: number;
  isPinned: boolean;
  isFavorite: boolean;
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
}

export const journalTools = [
  defineTool({
    name: "journal.add",
    description:
      "Write a journal entry. Defaults to today if `entryDate` is omitted. Title and content are encrypted; mood, tags, and the date stay plaintext for stats aggregation.",
    input: {
      title: z.string().max(500).nullable().default(null),
      content: z.string().min(1).max(200_000),
      entryDate: day.optional(),
      mood: z.enum(MOODS).nullable().default(null),
      tags: z.array(z.string()).default([]),
    },
    run: (args, { records, space, now }) => {
      const entry = records.insert<JournalEntry>(space, "journal", {
        id: crypto.randomUUID(),
        title: args.title,
        content: args.content,
        entryDate: args.entryDate ?? utcDay(now),
        mood: args.mood,
        tags: args.tags,
        wordCount: args.content.split(/\s+/).filter(Boolean).length,
        isPinned: false,
        isFavorite: false,
        isArchived: false,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
      return { entry };
    },
  }),
];
