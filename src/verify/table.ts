/**
 * @module
 * Which write tool is checked through which read tool, with what arguments, where the written entity's id is in the
 * write's result or input, and what the read must show of it afterwards (its fields, or that it is gone). Facts of
 * mana's tool registry (docs/contracts.md §2); a write tool missing here, or without a read path, is `unverifiable`.
 */

type Input = Record<string, unknown>;

/** A read tool call that lists the entities a write should have changed. */
export interface ReadPath {
  tool: string;
  /** The read call's arguments, from the write's input and its (parsed) result. */
  args(input: Input, written: Input | undefined): Record<string, unknown>;
  /** The key of the read result that holds the list; a list cut at the read's `limit` cannot show an absence. */
  list: string;
}

/** What a read must show once the write has landed. */
export type Expectation =
  /** The entity is listed with these values; `contains`: these list fields hold at least these items. */
  | { shows: Record<string, unknown>; contains?: Record<string, unknown[]> }
  /** The entity is no longer listed: being listed means `field` still has the value `listed`. */
  | { gone: { field: string; expected: unknown; listed: unknown } };

export interface WriteCheck {
  read: ReadPath;
  /** Where the entity's id is: a path into the write's result (creates) or into its input (changes). */
  id: { in: "result" | "input"; path: readonly string[] };
  expect(input: Input, written: Input | undefined): Expectation;
}

export type TableEntry = WriteCheck | { unverifiable: string };

/** Every read tool of mana's tool registry (policyHint read): the only tools verification may call. */
export const READ_TOOLS: ReadonlySet<string> = new Set([
  "augur.consultOracle",
  "augur.listOpenSigns",
  "augur.yearRecap",
  "comic.listCharacters",
  "comic.listStories",
  "habits.list",
  "me.listReferenceImages",
  "mood.recent",
  "mood.today",
  "notes.search",
  "spaces.list",
  "todo.list",
  "wardrobe.listGarments",
  "wardrobe.listOutfits",
]);

const fixed =
  (tool: string, list: string, args: Record<string, unknown>): ReadPath => ({ tool, list, args: () => args });

// Each read asks for as much as the tool allows, so one answer covers as many entities as it can.
const todoList = fixed("todo.list", "tasks", { includeCompleted: true, limit: 500 });
const habitsList = fixed("habits.list", "habits", { includeArchived: true });
const openSigns = fixed("augur.listOpenSigns", "entries", { limit: 100 });
const characters = fixed("comic.listCharacters", "characters", { limit: 200 });
const stories = fixed("comic.listStories", "stories", { limit: 200 });
const outfits = fixed("wardrobe.listOutfits", "outfits", { limit: 200 });
const notesByTitle: ReadPath = {
  tool: "notes.search",
  args: (input) => ({ query: typeof input.title === "string" ? input.title : "", includeArchived: true, limit: 100 }),
  list: "notes",
};
/** The entry's day, complete: mood.today has no limit. */
const moodOfDay: ReadPath = {
  tool: "mood.today",
  args: (input, written) => {
    const date = at(written, ["entry", "date"]) ?? input.date;
    return typeof date === "string" ? { date } : {};
  },
  list: "entries",
};

/** The input's own values of these fields: what the persona asked for is what a read must show. */
const given =
  (...fields: string[]) =>
  (input: Input): Expectation => ({
    shows: Object.fromEntries(fields.filter((field) => input[field] !== undefined).map((field) => [field, input[field]])),
  });

const fromResult = (...path: string[]) => ({ in: "result" as const, path });
const fromInput = (...path: string[]) => ({ in: "input" as const, path });

export const VERIFY_TABLE: Readonly<Record<string, TableEntry>> = {
  "augur.captureSign": {
    read: openSigns,
    id: fromResult("entryId"),
    expect: given("kind", "source", "claim", "vibe", "encounteredAt", "expectedBy"),
  },
  "augur.resolveSign": {
    read: openSigns,
    id: fromInput("entryId"),
    expect: (input) => ({ gone: { field: "outcome", expected: input.outcome, listed: "open" } }),
  },
  "comic.createCharacter": {
    read: characters,
    id: fromResult("character", "id"),
    expect: given("name", "style", "sourceFaceMediaId", "sourceBodyMediaId", "addPrompt", "description", "tags"),
  },
  "comic.createStory": {
    read: stories,
    id: fromResult("story", "id"),
    expect: given("title", "style", "characterMediaIds", "description", "storyContext", "tags"),
  },
  "comic.generatePanel": {
    unverifiable: "the story's new panel id is not in the result (its mediaId is mana-media's), so no read can tell this panel from the others",
  },
  "comic.generateVariant": {
    read: characters,
    id: fromResult("characterId"),
    expect: (_input, written) => ({
      shows: { pinnedVariantId: written?.pinnedVariantId },
      contains: { variantMediaIds: Array.isArray(written?.newVariantMediaIds) ? written.newVariantMediaIds : [] },
    }),
  },
  "comic.pinVariant": { read: characters, id: fromInput("characterId"), expect: (input) => ({ shows: { pinnedVariantId: input.variantMediaId } }) },
  "comic.reorderPanels": { read: stories, id: fromInput("storyId"), expect: (input) => ({ shows: { panelImageIds: input.panelImageIds } }) },
  "habits.archive": { read: habitsList, id: fromInput("id"), expect: (input) => ({ shows: { isArchived: input.archived ?? true } }) },
  "habits.create": { read: habitsList, id: fromResult("habit", "id"), expect: given("title", "icon", "color", "targetPerDay", "defaultDuration") },
  "habits.update": { read: habitsList, id: fromInput("id"), expect: given("title", "icon", "color", "targetPerDay", "defaultDuration") },
  "journal.add": { unverifiable: "mana-mcp has no tool that reads journal entries back" },
  "me.generateWithReference": { unverifiable: "its images land in the Picture gallery, which no mana-mcp tool reads" },
  "mood.log": {
    read: moodOfDay,
    id: fromResult("entry", "id"),
    expect: given("level", "emotion", "secondaryEmotions", "activity", "withWhom", "notes", "tags", "date", "time"),
  },
  "notes.create": { read: notesByTitle, id: fromResult("note", "id"), expect: given("title", "content", "color", "isPinned") },
  "todo.complete": { read: todoList, id: fromInput("id"), expect: () => ({ shows: { isCompleted: true } }) },
  "todo.create": { read: todoList, id: fromResult("task", "id"), expect: given("title", "description", "priority", "dueDate") },
  "wardrobe.createOutfit": { read: outfits, id: fromResult("outfit", "id"), expect: given("name", "garmentIds", "description", "occasion", "tags") },
  "wardrobe.tryOn": { unverifiable: "a preview: its image is not stored anywhere a mana-mcp tool reads" },
};

/** The value at `path` inside `value`, if every step is an object key. */
export function at(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((inner, key) => (typeof inner === "object" && inner !== null && !Array.isArray(inner) ? (inner as Input)[key] : undefined), value);
}
