/** @module Every tool the mana-mcp stand-in serves (comic, habits, journal, mood, notes, spaces, todo), in the real listing order. */
import { comicTools } from "./comic";
import { habitTools } from "./habits";
import { journalTools } from "./journal";
import { moodTools } from "./mood";
import { noteTools } from "./notes";
import { spaceTools } from "./spaces";
import type { ToolDef } from "./tool";
import { todoTools } from "./todo";

/** Every tool the stand-in serves, in the real server's (alphabetical) listing order. */
export const TOOLS: readonly ToolDef[] = [
  ...comicTools,
  ...habitTools,
  ...journalTools,
  ...moodTools,
  ...noteTools,
  ...spaceTools,
  ...todoTools,
];
