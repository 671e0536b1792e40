/** @module The stand-in's comic tools: stories and characters created and listed, panels and variants rendered into them, panels reordered, a variant pinned. */
import { z } from "zod";
import type { Records, StoredRecord } from "../records";
import { IMAGE_MODEL, QUALITIES, renderImages } from "./picture";
import { defineTool, ToolFailure } from "./tool";

const STYLES = ["comic", "manga", "cartoon", "graphic-novel", "webtoon"] as const;
const MODELS = [IMAGE_MODEL, "google/gemini-3-pro-image-preview", "google/gemini-3.1-flash-image-preview"] as const;
const SIZES = ["1024x1024", "1024x1536"] as const;
/** mana-api takes at most this many reference images. */
const MAX_REFERENCES = 8;

type Style = (typeof STYLES)[number];

export const STORY_KIND = "comic-story";
export const CHARACTER_KIND = "comic-character";
/** Generated panels and variants land in the Picture module's gallery. */
const PICTURE_KIND = "picture";

/** A story as stored: what comic.listStories shows, plus the panels' captions it leaves out. */
export interface Story extends StoredRecord {
  title: string;
  description: string | null;
  style: Style;
  characterMediaIds: string[];
  storyContext: string | null;
  panelImageIds: string[];
  panelMeta: Record<string, { caption?: string; dialogue?: string; promptUsed: string }>;
  tags: string[];
  isFavorite: boolean;
  isArchived?: boolean;
  deletedAt?: string | null;
}

/** A comic character as stored: a stylised look of the user, its variants and the pinned one. */
export interface Character extends StoredRecord {
  name: string;
  description: string | null;
  style: Style;
  addPrompt: string | null;
  sourceFaceMediaId: string;
  sourceBodyMediaId: string | null;
  variantMediaIds: string[];
  pinnedVariantId: string | null;
  tags: string[];
  isFavorite: boolean;
  isArchived?: boolean;
  deletedAt?: string | null;
}

const listInput = {
  style: z.enum(STYLES).optional(),
  favoriteOnly: z.boolean().default(false),
  limit: z.int().positive().max(200).default(50),
};
const quality = z.enum(QUALITIES).default("medium");
const model = z.enum(MODELS).default(IMAGE_MODEL);

const alive = (row: { isArchived?: boolean; deletedAt?: string | null }) => !row.deletedAt && !row.isArchived;

function storyView({ id, title, description, style, characterMediaIds, panelImageIds, tags, isFavorite, storyContext }: Story) {
  return { id, title, description, style, characterMediaIds, panelImageIds, panelCount: panelImageIds.length, tags, isFavorite, storyContext };
}

function characterView(character: Character) {
  const { id, name, description, style, addPrompt, sourceFaceMediaId, sourceBodyMediaId, variantMediaIds, pinnedVariantId, tags, isFavorite } = character;
  return {
    id, name, description, style, addPrompt, sourceFaceMediaId, sourceBodyMediaId, variantMediaIds, pinnedVariantId,
    variantCount: variantMediaIds.length, tags, isFavorite,
  };
}

/** The tools that act on a story or character find it by pulling, as the registry's do. */
function pulledStory(records: Records, space: string, id: string, includeArchived: boolean): Story {
  const story = records.list<Story>(space, STORY_KIND).find((row) => row.id === id && !row.deletedAt && (includeArchived || !row.isArchived));
  if (!story) throw new ToolFailure(`Comic story ${id} not found in the active space`);
  return story;
}

function pulledCharacter(records: Records, space: string, id: string, includeArchived: boolean): Character {
  const character = records.list<Character>(space, CHARACTER_KIND).find((row) => row.id === id && !row.deletedAt && (includeArchived || !row.isArchived));
  if (!character) throw new ToolFailure(`Comic-Character ${id} not found in the active space`);
  return character;
}

function listed<T extends Story | Character>(rows: T[], args: { style?: Style; favoriteOnly: boolean; limit: number }): T[] {
  return rows
    .filter(alive)
    .filter((row) => (!args.style || row.style === args.style) && (!args.favoriteOnly || row.isFavorite))
    .slice(0, args.limit);
}

export const comicTools = [
  defineTool({
    name: "comic.createCharacter",
    description:
      "Create a fresh comic-character row WITHOUT generating any variants yet. Splits creation from rendering so the user can review name/style/source pick before any credits are spent. Use `comic.generateVariant` afterwards (typically n=4) to populate the variant pool. The first generated variant auto-pins; user re-pins via `comic.pinVariant`. Source mediaIds must reference rows owned by the caller in apps `me` (face/body) or `wardrobe` (garment-derived).",
    input: {
      name: z.string().min(1).max(200),
      style: z.enum(STYLES),
      sourceFaceMediaId: z.string(),
      sourceBodyMediaId: z.string().nullable().default(null),
      addPrompt: z.string().max(500).nullable().default(null),
      description: z.string().max(2000).nullable().default(null),
      tags: z.array(z.string()).max(20).default([]),
    },
    run: (args, { records, space }) => {
      const character = records.insert<Character>(space, CHARACTER_KIND, {
        id: crypto.randomUUID(),
        ...args,
        variantMediaIds: [],
        pinnedVariantId: null,
        isFavorite: false,
      });
      return { character: characterView(character) };
    },
  }),
  defineTool({
    name: "comic.createStory",
    description:
      "Start a new comic story in the active space. The style and character references are fixed once written — every future `generatePanel` call against this story uses the same refs + style-prefix. Start with 1–8 `characterMediaIds` (face-ref at index 0, body-ref optional, up to 3 garment-ref photos from wardrobe). Returns the empty story; add panels via `comic.generatePanel`.",
    input: {
      title: z.string().min(1).max(200),
      style: z.enum(STYLES),
      characterMediaIds: z.array(z.string()).min(1).max(8),
      description: z.string().max(2000).nullable().default(null),
      storyContext: z.string().max(2000).nullable().default(null),
      tags: z.array(z.string()).max(20).default([]),
    },
    run: (args, { records, space }) => {
      const story = records.insert<Story>(space, STORY_KIND, { id: crypto.randomUUID(), ...args, panelImageIds: [], panelMeta: {}, isFavorite: false });
      return { story: storyView(story) };
    },
  }),
  defineTool({
    name: "comic.generatePanel",
    description:
      "Render and append a new panel to an existing comic story using OpenAI gpt-image-2. The story's style prefix + character references are applied automatically — just pass the panel-specific `panelPrompt` (what happens in the panel) plus optional `caption`/`dialogue` strings which get rendered directly into the image. Consumes credits at the standard picture-generate tarif (medium = 10). The panel is persisted back into the story's `panelImageIds` + `panelMeta` so the web app shows it immediately.",
    input: {
      storyId: z.string(),
      panelPrompt: z.string().min(1).max(800),
      caption: z.string().max(200).optional(),
      dialogue: z.string().max(200).optional(),
      quality,
      size: z.enum(SIZES).optional(),
      model,
    },
    run: (args, { records, space, now }) => {
      const story = pulledStory(records, space, args.storyId, false);
      if (story.characterMediaIds.length === 0) throw new ToolFailure("Story has no character references — cannot render a panel");
      const prompt = [`${story.style} illustration`, args.panelPrompt.trim(), args.caption?.trim(), args.dialogue?.trim()].filter(Boolean).join(". ");
      const referenceMediaIds = story.characterMediaIds.slice(0, MAX_REFERENCES);
      const [image] = renderImages(1);
      const panelImageId = crypto.randomUUID();
      const panelIndex = story.panelImageIds.length;
      records.insert(space, PICTURE_KIND, { id: panelImageId, storagePath: image?.mediaId, publicUrl: image?.imageUrl, prompt, comicStoryId: story.id, comicPanelIndex: panelIndex, createdAt: now.toISOString() });
      records.update<Story>(space, STORY_KIND, story.id, {
        panelImageIds: [...story.panelImageIds, panelImageId],
        panelMeta: { ...story.panelMeta, [panelImageId]: { caption: args.caption?.trim() || undefined, dialogue: args.dialogue?.trim() || undefined, promptUsed: prompt } },
      });
      return { imageUrl: image?.imageUrl, mediaId: image?.mediaId, prompt, model: args.model, panelIndex, referenceMediaIds };
    },
  }),
  defineTool({
    name: "comic.generateVariant",
    description:
      "Render N stylised portrait variants for an existing comic-character and append them to its variant pool. Wraps `/picture/generate-with-reference` with the character's source-face/body refs + style-prefix + identity-anchor instructions. Consumes credits at the standard picture-generate tarif × count (medium quality default = 10 credits per variant). Auto-pins the first variant if no variant was pinned before this call. Use `comic.pinVariant` afterwards if the user picks a different one.",
    input: {
      characterId: z.string(),
      count: z.int().min(1).max(4).default(4),
      quality,
      size: z.enum(SIZES).default("1024x1024"),
      model,
    },
    run: (args, { records, space, now }) => {
      const character = pulledCharacter(records, space, args.characterId, false);
      const images = renderImages(args.count);
      const newVariantMediaIds = images.map((image) => {
        const id = crypto.randomUUID();
        records.insert(space, PICTURE_KIND, { id, storagePath: image.mediaId, publicUrl: image.imageUrl, comicCharacterId: character.id, createdAt: now.toISOString() });
        return id;
      });
      const pinnedVariantId = character.pinnedVariantId ?? newVariantMediaIds[0] ?? null;
      records.update<Character>(space, CHARACTER_KIND, character.id, { variantMediaIds: [...character.variantMediaIds, ...newVariantMediaIds], pinnedVariantId });
      return { characterId: character.id, newVariantMediaIds, imageUrls: images.map((image) => image.imageUrl), pinnedVariantId };
    },
  }),
  defineTool({
    name: "comic.listCharacters",
    description:
      "List the caller's comic-characters in the active space. Filter by `style` and/or `favoriteOnly`. Returned rows include `pinnedVariantId` (the canonical look — null if no variant pinned yet) and `variantCount` for quick state-overview without loading the full variantMediaIds array.",
    input: listInput,
    run: (args, { records, space }) => ({ characters: listed(records.list<Character>(space, CHARACTER_KIND), args).map(characterView) }),
  }),
  defineTool({
    name: "comic.listStories",
    description:
      "List the caller's comic stories in the active space. Filter by `style` and/or `favoriteOnly`. Returned rows include panelCount (for quick progress overviews) but NOT panelMeta — use the ids in `panelImageIds` to fetch individual panel images from picture.images if needed.",
    input: listInput,
    run: (args, { records, space }) => ({ stories: listed(records.list<Story>(space, STORY_KIND), args).map(storyView) }),
  }),
  defineTool({
    name: "comic.pinVariant",
    description:
      "Pin a different variant as the comic-character's canonical look. Stories generated AFTER the re-pin snapshot the new variant; stories created BEFORE keep their old snapshot (fixes via story-level edit, not by character mutation). The chosen variant must already be in the character's variantMediaIds — call `comic.generateVariant` first if needed.",
    input: { characterId: z.string(), variantMediaId: z.string() },
    run: (args, { records, space }) => {
      const character = pulledCharacter(records, space, args.characterId, true);
      if (!character.variantMediaIds.includes(args.variantMediaId)) {
        throw new ToolFailure(`Variant ${args.variantMediaId} is not in this character's variantMediaIds`);
      }
      records.update<Character>(space, CHARACTER_KIND, character.id, { pinnedVariantId: args.variantMediaId });
      return { characterId: character.id, pinnedVariantId: args.variantMediaId };
    },
  }),
  defineTool({
    name: "comic.reorderPanels",
    description:
      "Change the reading order of an existing comic story's panels. `panelImageIds` must be a permutation of the story's current ids — adding or removing panels is rejected (use `comic.generatePanel` to add, and the web UI to remove from the story). Pure reorder, no new image rendering, no credits consumed.",
    input: { storyId: z.string(), panelImageIds: z.array(z.string()).min(1) },
    run: (args, { records, space }) => {
      const story = pulledStory(records, space, args.storyId, true);
      const current = new Set(story.panelImageIds);
      const next = new Set(args.panelImageIds);
      if (current.size !== next.size) throw new ToolFailure(`reorder rejected: expected ${current.size} panelImageIds, got ${args.panelImageIds.length}`);
      const dropped = [...current].find((id) => !next.has(id));
      if (dropped !== undefined) throw new ToolFailure(`reorder rejected: panel ${dropped} missing from new order`);
      records.update<Story>(space, STORY_KIND, story.id, { panelImageIds: args.panelImageIds });
      return { storyId: story.id, panelImageIds: args.panelImageIds };
    },
  }),
];
