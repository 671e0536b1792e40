/** @module The stand-in's mood tools: log a level and emotion, one day's entries with their average, the last days' entries. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { day, daysBefore, utcDay, utcTime } from "./dates";
import { defineTool } from "./tool";

const EMOTIONS = [
  "happy", "calm", "energized", "grateful", "excited", "loved", "hopeful", "neutral",
  "bored", "tired", "sad", "anxious", "angry", "stressed", "frustrated", "overwhelmed",
] as const;
const ACTIVITIES = ["work", "exercise", "social", "alone", "commute", "eating", "resting", "creative", "outdoors", "screen", "chores", "other"] as const;

interface MoodEntry extends StoredRecord {
  level: number;
  emotion: (typeof EMOTIONS)[number];
  secondaryEmotions: (typeof EMOTIONS)[number][];
  activity: (typeof ACTIVITIES)[number] | null;
  withWhom: string;
  notes: string;
  tags: string[];
  date: string;
  time: string;
  createdAt: string;
}

const KIND = "mood";
const emotion = z.enum(EMOTIONS);

export const moodTools = [
  defineTool({
    name: "mood.log",
    description:
      "Log how the user feels right now: a level from 1 (awful) to 10 (great), a main emotion and optionally what they were doing and with whom. date and time (HH:mm) default to now.",
    input: {
      level: z.int().min(1).max(10),
      emotion,
      secondaryEmotions: z.array(emotion).max(5).default([]),
      activity: z.enum(ACTIVITIES).nullable().default(null),
      withWhom: z.string().default(""),
      notes: z.string().default(""),
      tags: z.array(z.string()).default([]),
      date: day.optional(),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).optional(),
    },
    run: (args, { records, space, now }) =>
      records.insert<MoodEntry>(space, KIND, {
        id: crypto.randomUUID(),
        ...args,
        date: args.date ?? utcDay(now),
        time: args.time ?? utcTime(now),
        createdAt: now.toISOString(),
      }),
  }),
  defineTool({
    name: "mood.today",
    description: "Show the mood entries of one day (today in UTC unless a date is given) with their average level.",
    input: { date: day.optional() },
    run: (args, { records, space, now }) => {
      const date = args.date ?? utcDay(now);
      const entries = records.list<MoodEntry>(space, KIND).filter((entry) => entry.date === date);
      return { date, entries, averageLevel: average(entries.map((entry) => entry.level)) };
    },
  }),
  defineTool({
    name: "mood.recent",
    description: "List the user's mood entries of the last days, newest first, to spot trends.",
    input: {
      days: z.int().min(1).max(90).default(7),
      limit: z.int().min(1).max(200).default(50),
    },
    run: (args, { records, space, now }) => {
      const since = daysBefore(utcDay(now), args.days - 1);
      const entries = records.list<MoodEntry>(space, KIND).filter((entry) => entry.date >= since);
      return { since, entries: entries.slice(0, args.limit), total: entries.length };
    },
  }),
];

function average(levels: number[]): number | null {
  if (levels.length === 0) return null;
  return Math.round((levels.reduce((sum, level) => sum + level, 0) / levels.length) * 10) / 10;
}
