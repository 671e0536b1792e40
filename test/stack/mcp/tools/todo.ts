/** @module The stand-in's todo tools: create a task, list it (completed ones on request), complete it by id. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { defineTool, notFound } from "./tool";

interface Todo extends StoredRecord {
  title: string;
  description: string | null;
  priority: "low" | "medium" | "high" | "urgent";
  dueDate: string | null;
  isCompleted: boolean;
  completedAt: string | null;
  createdAt: string;
}

const KIND = "todo";

export const todoTools = [
  defineTool({
    name: "todo.create",
    description:
      "Create a new task in the user's todo list. Use it for anything the user wants to get done; set a due date only when the user named one.",
    input: {
      title: z.string().min(1).max(500),
      description: z.string().optional(),
      priority: z.enum(["low", "medium", "high", "urgent"]).default("medium"),
      dueDate: z.iso.datetime({ offset: true }).nullable().default(null),
    },
    run: (args, { records, space, now }) =>
      records.insert<Todo>(space, KIND, {
        id: crypto.randomUUID(),
        title: args.title,
        description: args.description ?? null,
        priority: args.priority,
        dueDate: args.dueDate,
        isCompleted: false,
        completedAt: null,
        createdAt: now.toISOString(),
      }),
  }),
  defineTool({
    name: "todo.list",
    description:
      "List the user's tasks, newest first. Completed tasks are left out unless includeCompleted is true.",
    input: {
      includeCompleted: z.boolean().default(false),
      limit: z.int().min(1).max(500).default(50),
    },
    run: (args, { records, space }) => {
      const todos = records.list<Todo>(space, KIND).filter((todo) => args.includeCompleted || !todo.isCompleted);
      return { todos: todos.slice(0, args.limit), total: todos.length };
    },
  }),
  defineTool({
    name: "todo.complete",
    description: "Mark a task as done. Takes the id of an existing task as returned by todo.list or todo.create.",
    input: { id: z.uuid() },
    run: (args, { records, space, now }) => {
      const todo = records.find<Todo>(space, KIND, args.id);
      if (!todo) throw notFound("todo", args.id);
      return records.replace(space, KIND, { ...todo, isCompleted: true, completedAt: todo.completedAt ?? now.toISOString() });
    },
  }),
];
