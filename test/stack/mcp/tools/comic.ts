/** @module The stand-in's comic.generatePanel: stores a panel with a fake image URL and the credits a real one spends. */
import { z } from "zod";
import type { StoredRecord } from "../records";
import { defineTool } from "./tool";

interface Panel extends StoredRecord {
  prompt: string;
  imageUrl: string;
  creditsSpent: number;
  createdAt: string;
}

/** What one generated panel costs in the real app; the stand-in only reports it. */
const PANEL_CREDITS = 2;

export const comicTools = [
  defineTool({
    name: "comic.generatePanel",
    description:
      "Generate one comic panel image from a scene description. Every call spends image-generation credits, so use it deliberately.",
    input: { prompt: z.string().min(1).max(2000) },
    run: (args, { records, space, now }) => {
      const id = crypto.randomUUID();
      return records.insert<Panel>(space, "comic-panel", {
        id,
        prompt: args.prompt,
        imageUrl: `https://images.mana.test/comic/${id}.png`,
        creditsSpent: PANEL_CREDITS,
        createdAt: now.toISOString(),
      });
    },
  }),
];
