/**
 * @module
 * Arguments that name something the persona has seen: which seen entity an argument like `storyId` or
 * `garmentIds` refers to, which read shows such entities, and the values a call takes from them. A persona acts
 * only on what it has seen, as a real one reads a list before it picks from it.
 */
import type { Rng } from "../hash";
import type { SeenEntity } from "./seen";

/** What the arguments of one call take from seen entities, or why the call cannot be made yet. */
export type Resolved = { values: Record<string, unknown> } | { missing: string };

interface Ref {
  /** The module and kind of entity the argument names; `id` names one of the tool's own module. */
  kind?: string;
  module?: string;
  /** The read (as offered to the model) that lists such entities. */
  shownBy?: string;
  /** Whether this entity can serve this tool (whose input properties are `properties`). */
  fits?(entity: SeenEntity, properties: readonly string[], verb: string): boolean;
  /** The argument's value from the chosen entities. */
  value?(chosen: SeenEntity[]): unknown;
  many?: boolean;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const mediaIds = (chosen: SeenEntity[]) => chosen.map((entity) => entity.fields.mediaId);
const firstMedia = (chosen: SeenEntity[]) => chosen[0]?.fields.mediaId;
const ofImageKind = (kind: string) => (entity: SeenEntity) => entity.fields.kind === kind;

/** Every argument that names something seen, by property name. */
const REFS: Record<string, Ref> = {
  // A task is completed once, and only one still open.
  id: { fits: (entity, _properties, verb) => verb !== "complete" || entity.fields.isCompleted !== true },
  // Only signs seen open, and not captured in this very run: nobody knows yet how a sign of today turns out.
  entryId: { kind: "entry", module: "augur", shownBy: "augur_listOpenSigns", fits: (entity) => !entity.madeHere && (entity.fields.outcome ?? "open") === "open" },
  storyId: {
    kind: "story",
    shownBy: "comic_listStories",
    fits: (entity, properties) => !properties.includes("panelImageIds") || list(entity.fields.panelImageIds).length > 1,
  },
  characterId: {
    kind: "character",
    shownBy: "comic_listCharacters",
    fits: (entity, properties) => !properties.includes("variantMediaId") || list(entity.fields.variantMediaIds).length > 1,
  },
  outfitId: { kind: "outfit", shownBy: "wardrobe_listOutfits" },
  garmentIds: { kind: "garment", shownBy: "wardrobe_listGarments", many: true, value: (chosen) => chosen.map((entity) => entity.id) },
  characterMediaIds: { kind: "image", shownBy: "me_listReferenceImages", many: true, value: mediaIds },
  referenceMediaIds: { kind: "image", shownBy: "me_listReferenceImages", many: true, value: mediaIds },
  sourceFaceMediaId: { kind: "image", shownBy: "me_listReferenceImages", fits: ofImageKind("face"), value: firstMedia },
  sourceBodyMediaId: { kind: "image", shownBy: "me_listReferenceImages", fits: ofImageKind("fullbody"), value: firstMedia },
};

/** Arguments that follow from another one: a variant of the chosen character, the chosen story's panels reordered. */
const FOLLOWING: Record<string, { after: string; value(entity: SeenEntity, rng: Rng): unknown }> = {
  variantMediaId: {
    after: "characterId",
    value: (character, rng) => rng.pick(list(character.fields.variantMediaIds).filter((id) => id !== character.fields.pinnedVariantId)),
  },
  panelImageIds: { after: "storyId", value: (story, rng) => reordered(list(story.fields.panelImageIds), rng) },
};

/** The arguments that name one entity by its id, which a model that makes ids up gets wrong. */
export const ID_REFS = ["id", "entryId", "storyId", "characterId", "outfitId"];

export function isRef(property: string): boolean {
  return property in REFS || property in FOLLOWING;
}

/** The read that shows what `property` names, if the app has one. */
export function shownBy(property: string): string | undefined {
  return REFS[property]?.shownBy;
}

export interface RefContext {
  /** The tool's module and verb (`comic`, `reorderPanels`) and its input properties. */
  module: string;
  verb: string;
  properties: readonly string[];
  required: readonly string[];
  seen: readonly SeenEntity[];
  /** Ids this tool already acted on in this run: nobody reorders the same story twice in a row. */
  used: ReadonlySet<string>;
  rng: Rng;
}

/** The values of the call's arguments that name seen entities, or the first required one nothing seen can fill. */
export function resolveRefs(context: RefContext): Resolved {
  const values: Record<string, unknown> = {};
  const chosen = new Map<string, SeenEntity>();
  for (const property of context.properties.filter((name) => name in REFS)) {
    const ref = REFS[property] as Ref;
    const candidates = context.seen.filter(
      (entity) =>
        (ref.kind === undefined ? entity.module === context.module : entity.kind === ref.kind && (!ref.module || entity.module === ref.module)) &&
        !context.used.has(entity.id) &&
        (ref.fits?.(entity, context.properties, context.verb) ?? true),
    );
    if (candidates.length === 0) {
      if (context.required.includes(property)) return { missing: property };
      continue;
    }
    // The newest first: what the persona just created or just looked at is what it acts on.
    const picked = ref.many ? candidates.slice(-context.rng.int(1, Math.min(3, candidates.length))) : [candidates.at(-1) as SeenEntity];
    chosen.set(property, picked[0] as SeenEntity);
    values[property] = ref.value ? ref.value(picked) : (picked[0] as SeenEntity).id;
  }
  for (const [property, follow] of Object.entries(FOLLOWING)) {
    const entity = chosen.get(follow.after);
    if (context.properties.includes(property) && entity) values[property] = follow.value(entity, context.rng);
  }
  return { values };
}

/** The same items in another order (rotated, so it always differs for two or more). */
function reordered(items: unknown[], rng: Rng): unknown[] {
  const by = rng.int(1, Math.max(1, items.length - 1));
  return [...items.slice(by), ...items.slice(0, by)];
}
