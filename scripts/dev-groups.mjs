// The process groups of the workers `npm run dev` runs, kept in a file while they run, so that a script which has
// to kill the dev script hard (a SIGKILL runs none of its exit handlers) can kill its workers too: `npm run smoke`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { signalGroup } from "./wrangler-dev.mjs";

const FILE = fileURLToPath(new URL("../.wrangler/dev-groups.json", import.meta.url));

/** Called by the dev script once its workers are spawned: each worker's process group, under the script's pid. */
export function recordGroups(groups) {
  mkdirSync(dirname(FILE), { recursive: true });
  writeFileSync(FILE, JSON.stringify({ dev: process.pid, groups }));
}

/** Called by the dev script once its workers have stopped. */
export function forgetGroups() {
  rmSync(FILE, { force: true });
}

/** Kills the worker groups the dev script with pid `devPid` recorded; a file another session left is not touched. */
export function killRecordedGroups(devPid) {
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(FILE, "utf8"));
  } catch {
    return;
  }
  if (recorded.dev !== devPid) return;
  for (const group of recorded.groups) signalGroup(group, "SIGKILL");
  forgetGroups();
}
