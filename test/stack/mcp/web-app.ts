/**
 * @module
 * What a persona's space already holds from the web app before mana-mcp touches it: reference photos, garments, a
 * comic character with variants and a story with panels. No mana-mcp tool can make these (photos are uploaded in
 * the web app, variants and panels cost credits), yet the tools that list, pin, reorder and compose need them.
 */
import type { Records } from "./records";
import { CHARACTER_KIND, type Character, STORY_KIND, type Story } from "./tools/comic";
import { ME_IMAGE_KIND, type MeImage } from "./tools/me";
import { type Garment, GARMENT_KIND } from "./tools/wardrobe";

/** Marks a space as seeded, so a reset space is seeded again and a seeded one never twice. */
const SEEDED_KIND = "web-app-seed";

const GARMENTS: readonly Pick<Garment, "name" | "category" | "brand" | "color" | "material" | "tags">[] = [
  { name: "Blaue Jeans", category: "bottom", brand: "Levi's", color: "blau", material: "Baumwolle", tags: ["alltag"] },
  { name: "Weißes T-Shirt", category: "top", brand: null, color: "weiß", material: "Baumwolle", tags: ["alltag", "sommer"] },
  { name: "Graue Sneaker", category: "shoes", brand: "Veja", color: "grau", material: "Leder", tags: ["alltag"] },
  { name: "Sonnenbrille", category: "glasses", brand: null, color: "schwarz", material: null, tags: ["sommer"] },
];

export function seedWebAppData(records: Records, space: string, now: Date): void {
  if (records.find(space, SEEDED_KIND, space)) return;
  records.insert(space, SEEDED_KIND, { id: space }, "web-app");
  const face = meImage("face", "face-ref", "Portrait", true);
  const body = meImage("fullbody", "body-ref", "Ganzkörper", true);
  for (const image of [face, body, meImage("halfbody", null, "Urlaubsfoto", false)]) records.insert(space, ME_IMAGE_KIND, image, "web-app");
  for (const garment of GARMENTS) {
    records.insert<Garment>(space, GARMENT_KIND, { id: crypto.randomUUID(), ...garment, mediaIds: [crypto.randomUUID()], size: null, notes: null }, "web-app");
  }
  const variants = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  records.insert<Character>(
    space,
    CHARACTER_KIND,
    {
      id: crypto.randomUUID(), name: "Ich als Comicfigur", description: null, style: "comic", addPrompt: null, sourceFaceMediaId: face.mediaId,
      sourceBodyMediaId: body.mediaId, variantMediaIds: variants, pinnedVariantId: variants[0] ?? null, tags: [], isFavorite: false,
    },
    "web-app",
  );
  const panels = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  records.insert<Story>(
    space,
    STORY_KIND,
    {
      id: crypto.randomUUID(), title: `Ein Tag im ${now.getUTCFullYear()}`, description: null, style: "comic", characterMediaIds: [face.mediaId],
      storyContext: null, panelImageIds: panels, panelMeta: {}, tags: [], isFavorite: true,
    },
    "web-app",
  );
}

function meImage(kind: MeImage["kind"], primaryFor: MeImage["primaryFor"], label: string, aiReference: boolean): MeImage {
  const mediaId = crypto.randomUUID();
  return {
    id: crypto.randomUUID(), mediaId, kind, label, primaryFor, publicUrl: `https://media.mana.test/${mediaId}.jpg`,
    thumbnailUrl: `https://media.mana.test/${mediaId}-thumb.jpg`, width: 1024, height: 1365, usage: { aiReference },
  };
}
