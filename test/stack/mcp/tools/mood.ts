/** @module The stand-in's mood tools: log a level and emotion, one day's entries by time, the entries of the last days newest first. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { day, utcDay, utcTime } from "./dates";
import { defineTool } from "./tool";

const EMOTIONS = [
  "happy", "calm", "energized", "grateful", "excited", "loved", "hopeful", "neutral",
  "bored", "tired", "sad", "anxious", "angry", "stressed", "frustrated", "overwhelmed",
] as const;
const ACTIVITIES = ["work", "exercise", "social", "alone", "commute", "eating", "resting", "creative", "outdoors", "screen", "chores", "other"] as const;
const DAY_MS = 86_400_000;

interface MoodEntry extends StoredRecord {
  date: string;
  time: string;
  level: number;
  emotion: (typeof EMOTIONS)[number];
  secondaryEmotions: (typeof EMOTIONS)[number][];
  activity: (typeof ACTIVITIES)[number] | null;
  withWhom: string;
  notes: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

const KIND = "mood";
const emotion = z.enum(EMOTIONS);

export const moodTools = [
  defineTool({
    name: "mood.log",
    description:
      "Log a mood entry. `level` is 1–10 (1 = worst, 10 = best). `emotion` is the primary feeling; up to 5 `secondaryEmotions` can nuance it. `withWhom` and `notes` are encrypted before storage.",
    input: {
      level: z.int().min(1).max(10),
      emotion,
      secondaryEmotions: z.array(emotion).max(5).default([]),
      activity: z.enum(ACTIVITIES).nullable().default(null),
      withWhom: z.string().max(500).default(""),
      notes: z.string().max(5000).default(""),
      tags: z.array(z.string().max(60)).max(20).default([]),
      date: day.optional(),
      time: z.string().regex(/^\d{2}:\d{2}$/).optional(),
    },
    run: (args, { records, space, now }) => {
      const entry = records.insert<MoodEntry>(space, KIND, {
        id: crypto.randomUUID(),
        date: args.date ?? utcDay(now),
        time: args.time ?? utcTime(now),
        level: args.level,
        emotion: args.emotion,
        secondaryEmotions: args.secondaryEmotions,
        activity: args.activity,
        withWhom: args.withWhom,
        notes: args.notes,
        tags: args.tags,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
      return { entry };
    },
  }),
  defineTool({
    name: "mood.recent",
    description:
      'Return mood entries from the last `days` days (default 7), newest first, capped at `limit`. Useful for "how has my week been?" reflection. Entries decrypted.',
    input: {
      days: z.int().min(1).max(90).default(7),
      limit: z.int().min(1).max(200).default(50),
    },
    run: (args, { records, space, now }) => {
      const cutoff = utcDay(new Date(now.getTime() - args.days * DAY_MS));
      const entries = records
        .list<MoodEntry>(space, KIND)
        .filter((entry) => entry.date >= cutoff)
        .sort((a, b) => b.date.localeCompare(a.date) || b.time.localeCompare(a.time));
      return { entries: entries.slice(0, args.limit) };
    },
  }),
  defineTool({
    name: "mood.today",
    description:
      "List every mood entry for today (or the given date). Multiple entries per day are normal — the web app timelines them. Entries returned decrypted.",
    input: { date: day.optional() },
    run: (args, { records, space, now }) => {
      const date = args.date ?? utcDay(now);
      const entries = records.list<MoodEntry>(space, KIND).filter((entry) => entry.date === date);
      return { entries: entries.sort((a, b) => a.time.localeCompare(b.time)) };
    },
  }),
];
