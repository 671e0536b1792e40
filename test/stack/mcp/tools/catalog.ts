/** @module Every tool the mana-mcp stand-in serves (augur, comic, habits, journal, me, mood, notes, spaces, todo, wardrobe), in the real listing order. */
import { augurTools } from "./augur";
import { comicTools } from "./comic";
import { habitTools } from "./habits";
import { journalTools } from "./journal";
import { meTools } from "./me";
import { moodTools } from "./mood";
import { noteTools } from "./notes";
import { spaceTools } from "./spaces";
import type { ToolDef } from "./tool";
import { todoTools } from "./todo";
import { wardrobeTools } from "./wardrobe";

/** Every tool the stand-in serves, in the real server's (alphabetical) listing order. */
export const TOOLS: readonly ToolDef[] = [
  ...augurTools,
  ...comicTools,
  ...habitTools,
  ...journalTools,
  ...meTools,
  ...moodTools,
  ...noteTools,
  ...spaceTools,
  ...todoTools,
  ...wardrobeTools,
];
