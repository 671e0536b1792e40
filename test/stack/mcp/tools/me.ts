/** @module The stand-in's me tools: the reference photos opted in for AI use, and an image generated from them. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { IMAGE_MODEL, QUALITIES, renderImages } from "./picture";
import { defineTool } from "./tool";

const IMAGE_KINDS = ["face", "fullbody", "halfbody", "hands", "reference"] as const;
export const ME_IMAGE_KIND = "me-image";

/** A reference photo as the web app stores it; the persona uploads these there, never through mana-mcp. */
export interface MeImage extends StoredRecord {
  mediaId: string;
  kind: (typeof IMAGE_KINDS)[number];
  label: string | null;
  primaryFor: "avatar" | "face-ref" | "body-ref" | null;
  publicUrl: string | null;
  thumbnailUrl: string | null;
  width: number | null;
  height: number | null;
  usage: { aiReference: boolean };
  deletedAt?: string | null;
}

export const meTools = [
  defineTool({
    name: "me.generateWithReference",
    description:
      "Run an OpenAI gpt-image-2 edit using the user's opted-in meImages as references. Pass mediaIds obtained from `me.listReferenceImages`. Consumes credits at the same rate as text-to-image generation (3/10/25 per quality, times n). Returns the generated images' mana-media ids + URLs; they are also persisted in the Picture module's gallery.",
    input: {
      prompt: z.string().min(1).max(4000),
      referenceMediaIds: z.array(z.string()).min(1).max(4),
      quality: z.enum(QUALITIES).default("medium"),
      size: z.enum(["1024x1024", "1536x1024", "1024x1536", "auto"]).default("1024x1024"),
      n: z.int().min(1).max(4).default(1),
    },
    run: (args) => ({
      images: renderImages(args.n),
      prompt: args.prompt,
      model: IMAGE_MODEL,
      referenceMediaIds: args.referenceMediaIds,
      mode: "edit",
    }),
  }),
  defineTool({
    name: "me.listReferenceImages",
    description:
      "List the user's meImages that are explicitly opted in for AI reference use (usage.aiReference=true). The returned mediaIds are exactly what `me.generateWithReference` will accept. Excludes soft-deleted rows. Optional `kind` filter narrows to 'face', 'fullbody', 'halfbody', 'hands', or 'reference'.",
    input: { kind: z.enum(IMAGE_KINDS).optional() },
    run: (args, { records, space }) => ({
      images: records
        .list<MeImage>(space, ME_IMAGE_KIND)
        .filter((image) => !image.deletedAt && image.usage.aiReference && (!args.kind || image.kind === args.kind))
        .map(({ id, mediaId, kind, label, primaryFor, publicUrl, thumbnailUrl, width, height }) => ({
          id, mediaId, kind, label, primaryFor, publicUrl, thumbnailUrl, width, height,
        })),
    }),
  }),
];
