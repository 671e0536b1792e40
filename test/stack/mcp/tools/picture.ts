/** @module mana-api's image generation as the stand-in's image tools see it: fresh media ids and URLs, nothing rendered. */

/** The model the registry's image tools ask for unless told otherwise. */
export const IMAGE_MODEL = "openai/gpt-image-2";
export const QUALITIES = ["low", "medium", "high"] as const;

export interface RenderedImage {
  mediaId: string;
  imageUrl: string;
  thumbnailUrl: string;
}

/** `count` generated images, as mana-api's generate-with-reference answers them. */
export function renderImages(count: number): RenderedImage[] {
  return Array.from({ length: count }, () => {
    const mediaId = crypto.randomUUID();
    return { mediaId, imageUrl: `https://media.mana.test/${mediaId}.png`, thumbnailUrl: `https://media.mana.test/${mediaId}-thumb.png` };
  });
}
