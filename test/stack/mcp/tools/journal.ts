/** @module The stand-in's journal.add: an entry with optional title, one of the German mood words, tags, and today's UTC date by default. */
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
  createdAt: string;
}

export const journalTools = [
  defineTool({
    name: "journal.add",
    description:
      "Write a journal entry in the user's words. entryDate defaults to today (UTC); mood is one of the journal's German mood words.",
    input: {
      content: z.string().min(1).max(200_000),
      title: z.string().max(500).nullable().default(null),
      entryDate: day.optional(),
      mood: z.enum(MOODS).nullable().default(null),
      tags: z.array(z.string()).default([]),
    },
    run: (args, { records, space, now }) =>
      records.insert<JournalEntry>(space, "journal", {
        id: crypto.randomUUID(),
        title: args.title,
        content: args.content,
        entryDate: args.entryDate ?? utcDay(now),
        mood: args.mood,
        tags: args.tags,
        createdAt: now.toISOString(),
      }),
  }),
];
