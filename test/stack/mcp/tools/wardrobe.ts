/** @module The stand-in's wardrobe tools: garments (from the web app) and outfits listed, an outfit composed, a try-on rendered from the outfit and the face/body references. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { ME_IMAGE_KIND, type MeImage } from "./me";
import { IMAGE_MODEL, QUALITIES, renderImages } from "./picture";
import { defineTool, ToolFailure } from "./tool";

const CATEGORIES = ["top", "bottom", "dress", "outerwear", "shoes", "bag", "accessory", "glasses", "jewelry", "hat", "other"] as const;
const OCCASIONS = ["casual", "work", "formal", "workout", "date", "travel", "event", "sleep", "other"] as const;
/** Garments a try-on renders on the face alone, as a square portrait. */
const FACE_ONLY: ReadonlySet<string> = new Set(["accessory", "glasses", "jewelry", "hat"]);
/** mana-api takes at most this many reference images. */
const MAX_REFERENCES = 8;

export const GARMENT_KIND = "garment";
const OUTFIT_KIND = "outfit";

/** A garment as the web app stores it; garments are photographed and added there, never through mana-mcp. */
export interface Garment extends StoredRecord {
  name: string;
  category: (typeof CATEGORIES)[number];
  mediaIds: string[];
  brand: string | null;
  color: string | null;
  size: string | null;
  material: string | null;
  tags: string[];
  notes: string | null;
  isArchived?: boolean;
  deletedAt?: string | null;
}

interface Outfit extends StoredRecord {
  name: string;
  description: string | null;
  garmentIds: string[];
  occasion: (typeof OCCASIONS)[number] | null;
  tags: string[];
  isFavorite: boolean;
  isArchived?: boolean;
  deletedAt?: string | null;
}

const alive = (row: { isArchived?: boolean; deletedAt?: string | null }) => !row.deletedAt && !row.isArchived;

export const wardrobeTools = [
  defineTool({
    name: "wardrobe.createOutfit",
    description:
      "Compose a new outfit in the active space. `garmentIds` must reference garments the caller owns in the same space — the server will persist whatever you pass (there's no cross-space validation here), so call `wardrobe.listGarments` first to confirm the ids.",
    input: {
      name: z.string().min(1).max(200),
      garmentIds: z.array(z.string()).min(1).max(16),
      description: z.string().max(2000).nullable().default(null),
      occasion: z.enum(OCCASIONS).nullable().default(null),
      tags: z.array(z.string()).max(20).default([]),
    },
    run: (args, { records, space }) => {
      const outfit = records.insert<Outfit>(space, OUTFIT_KIND, { id: crypto.randomUUID(), ...args, isFavorite: false });
      return { outfit };
    },
  }),
  defineTool({
    name: "wardrobe.listGarments",
    description:
      "List the caller's garments in the active space. Filter by `category` (closed enum) and/or `tags` (intersection — every listed tag must be present). Returns at most `limit` rows, newest first. Archived + soft-deleted items are excluded.",
    input: {
      category: z.enum(CATEGORIES).optional(),
      tags: z.array(z.string()).max(10).default([]),
      limit: z.int().positive().max(200).default(50),
    },
    run: (args, { records, space }) => ({
      garments: records
        .list<Garment>(space, GARMENT_KIND)
        .filter(alive)
        .filter((garment) => !args.category || garment.category === args.category)
        .filter((garment) => args.tags.every((tag) => garment.tags.includes(tag)))
        .slice(0, args.limit)
        .map(({ id, name, category, mediaIds, brand, color, size, material, tags, notes }) => ({
          id, name, category, mediaIds, brand, color, size, material, tags, notes,
        })),
    }),
  }),
  defineTool({
    name: "wardrobe.listOutfits",
    description:
      "List the caller's outfits in the active space. Filter by `occasion` and/or `favoriteOnly`. The returned rows include garmentIds — use `wardrobe.listGarments` to resolve them to full rows when you need more than ids.",
    input: {
      occasion: z.enum(OCCASIONS).optional(),
      favoriteOnly: z.boolean().default(false),
      limit: z.int().positive().max(200).default(50),
    },
    run: (args, { records, space }) => ({
      outfits: records
        .list<Outfit>(space, OUTFIT_KIND)
        .filter(alive)
        .filter((outfit) => (!args.occasion || outfit.occasion === args.occasion) && (!args.favoriteOnly || outfit.isFavorite))
        .slice(0, args.limit)
        .map(({ id, name, description, garmentIds, occasion, tags, isFavorite }) => ({ id, name, description, garmentIds, occasion, tags, isFavorite })),
    }),
  }),
  defineTool({
    name: "wardrobe.tryOn",
    description:
      "Render the caller wearing the outfit using OpenAI gpt-image-2. Resolves the active space's primary face-ref (and body-ref when the outfit isn't accessory-only) from meImages, combines them with the outfit's garment photos, and calls the picture-generate-with-reference endpoint. Returns the generated image's URL + mana-media id. Consumes credits at the same tarif as text-to-image (medium = 10). Does NOT persist the result into the Picture gallery from here — that's deferred to avoid double-writes when a user is also on the page; treat this tool as a preview.",
    input: {
      outfitId: z.string(),
      prompt: z.string().max(2000).optional(),
      accessoryOnly: z.boolean().optional(),
      quality: z.enum(QUALITIES).default("medium"),
    },
    run: (args, { records, space }) => {
      const outfit = records.list<Outfit>(space, OUTFIT_KIND).find((row) => row.id === args.outfitId && !row.deletedAt);
      if (!outfit) throw new ToolFailure(`Outfit ${args.outfitId} not found in the active space`);
      if (outfit.garmentIds.length === 0) throw new ToolFailure("Outfit has no garments");
      const garments = records.list<Garment>(space, GARMENT_KIND).filter((row) => outfit.garmentIds.includes(row.id) && !row.deletedAt);
      if (garments.length === 0) throw new ToolFailure("None of the outfit garments exist in the active space (moved or deleted?)");
      const photos = garments.flatMap((garment) => garment.mediaIds.slice(0, 1));
      if (photos.length === 0) throw new ToolFailure("None of the outfit garments have a primary photo");
      const references = records.list<MeImage>(space, ME_IMAGE_KIND).filter((image) => !image.deletedAt);
      const face = references.find((image) => image.primaryFor === "face-ref");
      const body = references.find((image) => image.primaryFor === "body-ref");
      if (!face) throw new ToolFailure("No primary face-ref meImage in the active space. Upload one via /profile/me-images.");
      const accessoryOnly = args.accessoryOnly ?? garments.every((garment) => FACE_ONLY.has(garment.category));
      if (!accessoryOnly && !body) {
        throw new ToolFailure(
          "No primary body-ref meImage in the active space. Upload a fullbody photo via /profile/me-images, or pass accessoryOnly=true if the outfit is face-only.",
        );
      }
      const referenceMediaIds = [face.mediaId, ...(!accessoryOnly && body ? [body.mediaId] : []), ...photos].slice(0, MAX_REFERENCES);
      const [image] = renderImages(1);
      const prompt = args.prompt?.trim() || `Fotorealistisches Portrait von mir im Outfit ${outfit.name}, natürliches Licht, neutraler Hintergrund`;
      return { imageUrl: image?.imageUrl, mediaId: image?.mediaId, prompt, model: IMAGE_MODEL, referenceMediaIds, mode: "edit" };
    },
  }),
];
