/**
 * @module
 * The mana-mcp stand-in pinned against the committed snapshot of the real tool registry: the same tools in the same
 * order, with the real descriptions and input schemas, answering with the real result keys.
 */
import { beforeAll, describe, expect, it } from "vitest";
import snapshot from "./mcp/registry.snapshot.json";
import { call, caller, type Json, login, sdkClient, textOf } from "./mcp-client";

type Snapshot = (typeof snapshot.tools)[number];

/** zod's int() announces these bounds; the real zod 3 schemas do not. */
const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;
const COPIED = ["enum", "format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "minItems", "maxItems"] as const;

/** A property's JSON Schema in the snapshot's normal form (see its "form"). */
function normal(schema: Json): Json {
  const options: Json[] = schema.anyOf ?? [schema];
  const concrete = options.find((option) => option.type !== "null") ?? {};
  const types: unknown[] = [concrete.type].flat();
  const nullable = options.some((option) => option.type === "null") || types.includes("null");
  const form: Json = { type: types.find((type) => type !== "null") };
  for (const key of COPIED) {
    const value = concrete[key];
    if (value !== undefined && !(typeof value === "number" && Math.abs(value) >= SAFE_INTEGER_BOUND)) form[key] = value;
  }
  if (concrete.pattern !== undefined && concrete.format === undefined) form.pattern = concrete.pattern;
  if (concrete.items) form.items = normal(concrete.items);
  if (nullable) form.nullable = true;
  if ("default" in schema) form.default = schema.default;
  return form;
}

function normalInput(schema: Json): Snapshot["input"] {
  const properties = Object.fromEntries(Object.entries((schema.properties ?? {}) as Json).map(([name, property]) => [name, normal(property)]));
  return { properties, required: schema.required ?? [] } as Snapshot["input"];
}

/** Keys `actual` lacks or has beyond `expected` (a trailing ? marks a key that may be absent). */
function keyDrift(actual: Json, expected: string[]): { missing: string[]; unexpected: string[] } {
  const names = expected.map((key) => key.replace(/\?$/, ""));
  return {
    missing: expected.filter((key) => !key.endsWith("?") && !(key in actual)),
    unexpected: Object.keys(actual).filter((key) => !names.includes(key)),
  };
}

/** Where the stand-in's answer to `tool` differs from the snapshot's result keys, at the top and in the objects it holds. */
function resultDrift(tool: Snapshot, answer: Json): Json {
  const drift: Json = {};
  const top = keyDrift(answer, tool.result.keys);
  if (top.missing.length + top.unexpected.length > 0) drift.result = top;
  for (const [key, keys] of Object.entries((tool.result as { objects?: Record<string, string[]> }).objects ?? {})) {
    const value = answer[key];
    const objects: Json[] = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
    for (const object of objects) {
      const inner = keyDrift(object, keys);
      if (inner.missing.length + inner.unexpected.length > 0) drift[key] = inner;
    }
  }
  return drift;
}

const byName = new Map(snapshot.tools.map((tool) => [tool.name, tool]));

describe("the stand-in's tool list against the real registry's snapshot", () => {
  let listed: Json[];
  beforeAll(async () => {
    await call("http://stack.test/__stack/reset", { method: "POST" });
    const { client } = await sdkClient((await login("persona.anna@mana.test")).token);
    listed = (await client.listTools()).tools;
    await client.close();
  });

  it("offers exactly the registry's tools, listed by name", () => {
    expect(listed.map((tool) => tool.name)).toEqual(snapshot.tools.map((tool) => tool.name));
  });

  it("describes each tool in the registry's words", () => {
    const drift = listed.filter((tool) => tool.description !== byName.get(tool.name)?.description).map((tool) => tool.name);
    expect(drift).toEqual([]);
  });

  it("advertises each tool's input schema as the registry's", () => {
    for (const tool of listed) expect.soft(normalInput(tool.inputSchema), tool.name).toEqual(byName.get(tool.name)?.input);
  });
});

describe("the stand-in's answers against the real registry's result shapes", () => {
  it("answers every tool with the registry's keys, and the objects they hold with theirs", async () => {
    await call("http://stack.test/__stack/reset", { method: "POST" });
    const { client } = await sdkClient((await login("persona.anna@mana.test")).token);
    const { run, json } = caller(client);
    const answers = new Map<string, Json>();
    const answer = async (name: string, args: Json = {}) => {
      const value = await json(name, args);
      answers.set(name, value);
      return value;
    };

    const { images } = await answer("me.listReferenceImages");
    const face = images.find((image: Json) => image.primaryFor === "face-ref");
    await answer("me.generateWithReference", { prompt: "Ich am Strand", referenceMediaIds: [face.mediaId] });
    const { garments } = await answer("wardrobe.listGarments");
    const { outfit } = await answer("wardrobe.createOutfit", { name: "Sommer", garmentIds: garments.map((garment: Json) => garment.id) });
    await answer("wardrobe.listOutfits");
    await answer("wardrobe.tryOn", { outfitId: outfit.id });

    const { character } = await answer("comic.createCharacter", { name: "Comic-Anna", style: "manga", sourceFaceMediaId: face.mediaId });
    const variants = await answer("comic.generateVariant", { characterId: character.id, count: 2 });
    await answer("comic.pinVariant", { characterId: character.id, variantMediaId: variants.newVariantMediaIds[1] });
    await answer("comic.listCharacters");
    const { story } = await answer("comic.createStory", { title: "Regentag", style: "manga", characterMediaIds: [face.mediaId] });
    for (const panelPrompt of ["Regen", "Sonne"]) await answer("comic.generatePanel", { storyId: story.id, panelPrompt });
    const { stories } = await answer("comic.listStories");
    const panels: string[] = stories.find((row: Json) => row.id === story.id).panelImageIds;
    await answer("comic.reorderPanels", { storyId: story.id, panelImageIds: panels.toReversed() });

    // Three resolved tarot signs make the year recap name a best and worst source.
    for (let i = 0; i < 4; i++) {
      const { entryId } = await answer("augur.captureSign", { kind: "fortune", source: "Tarot", claim: `Karte ${i}`, sourceCategory: "tarot", expectedBy: "2026-12-31" });
      if (i < 3) await answer("augur.resolveSign", { entryId, outcome: i === 0 ? "fulfilled" : "partly" });
    }
    await answer("augur.listOpenSigns");
    await answer("augur.consultOracle", { kind: "fortune", sourceCategory: "tarot", vibe: "mysterious" });
    expect((await answer("augur.yearRecap")).bestSource).not.toBeNull();

    const { habit } = await answer("habits.create", { title: "Lesen" });
    await answer("habits.update", { id: habit.id, title: "Mehr lesen" });
    await answer("habits.archive", { id: habit.id });
    await answer("habits.list", { includeArchived: true });
    await answer("journal.add", { content: "Ein ruhiger Tag." });
    await answer("mood.log", { level: 6, emotion: "calm" });
    await answer("mood.today");
    await answer("mood.recent");
    await answer("notes.create", { title: "Rezept" });
    await answer("notes.search");
    const { task } = await answer("todo.create", { title: "Einkaufen", description: "Milch" });
    await answer("todo.complete", { id: task.id });
    await answer("todo.list", { includeCompleted: true });
    // spaces.list never answers on the real stack either (docs/contracts.md §5.1): there is no result to compare.
    expect(textOf(await run("spaces.list"))).toBe("Tool spaces.list failed: mana-auth /organization/list failed: 401 Unauthorized");
    await client.close();

    expect([...answers.keys(), "spaces.list"].toSorted()).toEqual(snapshot.tools.map((tool) => tool.name));
    const drift = [...answers].map(([name, value]) => ({ name, ...resultDrift(byName.get(name) as Snapshot, value) })).filter((found) => Object.keys(found).length > 1);
    expect(drift).toEqual([]);
  });
});
