/** @module The stand-in's todo tools: create a task (ordered after the existing ones), list it (completed ones on request), complete it by id. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { defineTool, notFound } from "./tool";

interface Task extends StoredRecord {
  title: string;
  description?: string;
  priority: "low" | "medium" | "high" | "urgent";
  isCompleted: boolean;
  completedAt: string | null;
  dueDate: string | null;
  order: number;
  subtasks: null;
  createdAt: string;
  updatedAt: string;
}

const KIND = "todo";

export const todoTools = [
  defineTool({
    name: "todo.complete",
    description:
      "Mark a task as completed by id. Idempotent — completing an already-completed task is a no-op on the server side.",
    input: { id: z.guid() },
    run: (args, { records, space, now }) => {
      const at = now.toISOString();
      if (!records.update<Task>(space, KIND, args.id, { isCompleted: true, completedAt: at, updatedAt: at })) throw notFound("todo", args.id);
      return { ok: true };
    },
  }),
  defineTool({
    name: "todo.create",
    description:
      "Create a new task. Title is required; description, priority, dueDate are optional. Returns the created task (decrypted).",
    input: {
      title: z.string().min(1).max(500),
      description: z.string().max(10_000).optional(),
      priority: z.enum(["low", "medium", "high", "urgent"]).default("medium"),
      dueDate: z.iso.datetime().nullable().default(null),
    },
    run: (args, { records, space, now }) => {
      const at = now.toISOString();
      const task = records.insert<Task>(space, KIND, {
        id: crypto.randomUUID(),
        title: args.title,
        ...(args.description === undefined ? {} : { description: args.description }),
        priority: args.priority,
        isCompleted: false,
        completedAt: null,
        dueDate: args.dueDate,
        order: records.list(space, KIND).length,
        subtasks: null,
        createdAt: at,
        updatedAt: at,
      });
      return { task };
    },
  }),
  defineTool({
    name: "todo.list",
    description: "List tasks in the active space. Completed tasks excluded by default. Values are returned decrypted.",
    input: {
      includeCompleted: z.boolean().default(false),
      limit: z.int().positive().max(500).default(50),
    },
    run: (args, { records, space }) => {
      const tasks = records.list<Task>(space, KIND).filter((task) => args.includeCompleted || !task.isCompleted);
      return { tasks: tasks.slice(0, args.limit) };
    },
  }),
];
