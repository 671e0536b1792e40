/**
 * @module
 * Which write tool is checked through which read tool, with what arguments, how the written entity is found (by
 * the id the write returned or acted on, else by fields) and which fields the read must show. A tool missing
 * here, or without a read path, is `unverifiable`, never guessed.
 */

type Input = Record<string, unknown>;

/** A read tool call that lists the entities a write should have changed. */
export interface ReadPath {
  tool: string;
  /** The read call's arguments, from the write's input and its (parsed) result. */
  args(input: Input, written: Input | undefined): Record<string, unknown>;
  /** The key of the read result that holds the list. */
  list: string;
}

export interface WriteCheck {
  read: ReadPath;
  /** Where the written entity's id comes from: the write's result (creates) or its input (updates). */
  id: "result" | "input";
  /** Without an id, the entity is the one whose fields equal these of the input. */
  matchBy: string[];
  /** Field values the read must show. */
  expect(input: Input): Record<string, unknown>;
}

export type TableEntry = WriteCheck | { unverifiable: string };

/** The only tools verification may call: reads that change nothing. */
export const READ_TOOLS: ReadonlySet<string> = new Set(["todo.list", "habits.list", "mood.today", "mood.recent", "notes.search", "spaces.list"]);

const todoList: ReadPath = { tool: "todo.list", args: () => ({ includeCompleted: true, limit: 500 }), list: "todos" };
const habitsList: ReadPath = { tool: "habits.list", args: () => ({ includeArchived: true }), list: "habits" };
const moodOfDay: ReadPath = {
  tool: "mood.today",
  args: (input, written) => {
    const date = written?.date ?? input.date;
    return typeof date === "string" ? { date } : {};
  },
  list: "entries",
};
const notesByTitle: ReadPath = {
  tool: "notes.search",
  args: (input) => ({ query: typeof input.title === "string" ? input.title : "", includeArchived: true, limit: 100 }),
  list: "notes",
};

/** The input's own values of these fields: what the persona asked for is what a read must show. */
const given =
  (...fields: string[]) =>
  (input: Input) =>
    Object.fromEntries(fields.filter((field) => input[field] !== undefined).map((field) => [field, input[field]]));

export const VERIFY_TABLE: Readonly<Record<string, TableEntry>> = {
  "todo.create": { read: todoList, id: "result", matchBy: ["title"], expect: given("title", "description", "priority", "dueDate") },
  "todo.complete": { read: todoList, id: "input", matchBy: [], expect: () => ({ isCompleted: true }) },
  "habits.create": {
    read: habitsList,
    id: "result",
    matchBy: ["title"],
    expect: given("title", "icon", "color", "targetPerDay", "defaultDuration"),
  },
  "habits.update": { read: habitsList, id: "input", matchBy: [], expect: given("title", "icon", "color", "targetPerDay", "defaultDuration") },
  "habits.archive": { read: habitsList, id: "input", matchBy: [], expect: (input) => ({ isArchived: input.archived ?? true }) },
  "mood.log": { read: moodOfDay, id: "result", matchBy: ["level", "emotion"], expect: given("level", "emotion", "activity", "notes", "date", "time") },
  "notes.create": { read: notesByTitle, id: "result", matchBy: ["title"], expect: given("title", "content", "color", "isPinned") },
  "journal.add": { unverifiable: "mana-mcp has no tool that reads journal entries back" },
};
