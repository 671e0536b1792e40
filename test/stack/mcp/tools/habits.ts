/** @module The stand-in's habit tools: create (ordered after the existing ones), list (archived on request), update the given fields, archive or restore. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { defineTool, notFound } from "./tool";

interface Habit extends StoredRecord {
  title: string;
  icon: string;
  color: string;
  targetPerDay: number | null;
  defaultDuration: number | null;
  order: number;
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
}

const KIND = "habit";
const title = z.string().min(1).max(120);
const icon = z.string().min(1).max(40);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/);
const perDay = z.int().positive().nullable();

export const habitTools = [
  defineTool({
    name: "habits.archive",
    description: "Archive (or unarchive) a habit. Archived habits stay in history but disappear from the active list.",
    input: { id: z.guid(), archived: z.boolean().default(true) },
    run: (args, { records, space, now }) => {
      const updated = records.update<Habit>(space, KIND, args.id, { isArchived: args.archived, updatedAt: now.toISOString() });
      if (!updated) throw notFound("habit", args.id);
      return { ok: true };
    },
  }),
  defineTool({
    name: "habits.create",
    description:
      'Create a new habit (e.g. "Coffee", "Workout"). Returns the created habit. Use `targetPerDay` for habits with a daily count goal.',
    input: {
      title,
      icon: icon.default("star"),
      color: color.default("#6366f1"),
      targetPerDay: perDay.default(null),
      defaultDuration: perDay.default(null),
    },
    run: (args, { records, space, now }) => {
      const habit = records.insert<Habit>(space, KIND, {
        id: crypto.randomUUID(),
        ...args,
        order: records.list(space, KIND).length,
        isArchived: false,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
      return { habit };
    },
  }),
  defineTool({
    name: "habits.list",
    description: "List all habits in the active space. Set `includeArchived: true` to include archived habits.",
    input: { includeArchived: z.boolean().default(false) },
    run: (args, { records, space }) => ({
      habits: records.list<Habit>(space, KIND).filter((habit) => args.includeArchived || !habit.isArchived),
    }),
  }),
  defineTool({
    name: "habits.update",
    description: "Update fields on an existing habit. Only the provided fields are changed; others stay as-is.",
    input: {
      id: z.guid(),
      title: title.optional(),
      icon: icon.optional(),
      color: color.optional(),
      targetPerDay: perDay.optional(),
      defaultDuration: perDay.optional(),
    },
    run: ({ id, ...changes }, { records, space, now }) => {
      const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      if (!records.update<Habit>(space, KIND, id, { ...given, updatedAt: now.toISOString() })) throw notFound("habit", id);
      return { ok: true };
    },
  }),
];
