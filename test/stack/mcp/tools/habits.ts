/** @module The stand-in's habit tools: create, list (archived ones on request), update the given fields, archive or restore. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { defineTool, notFound } from "./tool";

interface Habit extends StoredRecord {
  title: string;
  icon: string;
  color: string;
  targetPerDay: number | null;
  defaultDuration: number | null;
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
}

const KIND = "habit";
const title = z.string().min(1).max(120);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/);
const perDay = z.int().positive().nullable();

export const habitTools = [
  defineTool({
    name: "habits.create",
    description:
      "Start tracking a new habit, e.g. drinking water or reading. targetPerDay is how often a day counts as done, defaultDuration the usual length in minutes.",
    input: {
      title,
      icon: z.string().default("star"),
      color: color.default("#6366f1"),
      targetPerDay: perDay.default(null),
      defaultDuration: perDay.default(null),
    },
    run: (args, { records, space, now }) =>
      records.insert<Habit>(space, KIND, {
        id: crypto.randomUUID(),
        ...args,
        isArchived: false,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      }),
  }),
  defineTool({
    name: "habits.list",
    description: "List the habits the user tracks. Archived habits are only included when includeArchived is true.",
    input: { includeArchived: z.boolean().default(false) },
    run: (args, { records, space }) => {
      const habits = records.list<Habit>(space, KIND).filter((habit) => args.includeArchived || !habit.isArchived);
      return { habits, total: habits.length };
    },
  }),
  defineTool({
    name: "habits.update",
    description: "Change an existing habit's title, icon, color, daily target or default duration. Fields left out stay as they are.",
    input: {
      id: z.uuid(),
      title: title.optional(),
      icon: z.string().optional(),
      color: color.optional(),
      targetPerDay: perDay.optional(),
      defaultDuration: perDay.optional(),
    },
    run: ({ id, ...changes }, { records, space, now }) => {
      const habit = records.find<Habit>(space, KIND, id);
      if (!habit) throw notFound("habit", id);
      const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      return records.replace(space, KIND, { ...habit, ...given, updatedAt: now.toISOString() });
    },
  }),
  defineTool({
    name: "habits.archive",
    description: "Archive a habit the user no longer follows, or bring it back with archived=false. History is kept either way.",
    input: { id: z.uuid(), archived: z.boolean().default(true) },
    run: (args, { records, space, now }) => {
      const habit = records.find<Habit>(space, KIND, args.id);
      if (!habit) throw notFound("habit", args.id);
      return records.replace(space, KIND, { ...habit, isArchived: args.archived, updatedAt: now.toISOString() });
    },
  }),
];
