/** @module The mana-mcp stand-in's defect modes: sync pull-shape failures, echo exclusion, one failing tool, users without a vault, update-blind reads, reads that differ from a write. */
import { z } from "zod";
import type { PullView } from "./records";
import type { ReadBackDiffers } from "./read-back";
import { TOOLS } from "./tools/catalog";

/** The read tools that pull from mana-sync, which the pull-shape bug and echo exclusion both hit. */
export const PULLING_READS = ["todo.list", "habits.list", "notes.search", "mood.today", "mood.recent"];

/** Modules mana stores encrypted with the user's vault key; habits, spaces and comic are not. */
const ENCRYPTED_MODULES = ["todo", "notes", "journal", "mood"];

/** mana-mcp reads `changes` where the real mana-sync answers `serverChanges`, so every pull throws this. */
const PULL_SHAPE_ERROR = "undefined is not an object (evaluating '(await pullAll(…)).changes.filter')";

/** What mana-auth answers for a user without a vault, such as every persona mana's seed script creates. */
const NO_VAULT_ERROR =
  'mana-auth /encryption-vault/key failed: HTTP 404 — {"error":"vault not initialised","code":"VAULT_NOT_INITIALISED"}';

/** The request number the generated push failures count up from. */
const FIRST_REQUEST = 4711;

const toolName = z.string().refine((name) => TOOLS.some((tool) => tool.name === name), "not a tool of mana-mcp");
const off = z.union([z.null(), z.literal(false)]);

/** Body of PUT /__stack/mcp/defects: a key left out stays as it is, null or false switches its mode off. */
export const defectsInput = z.strictObject({
  syncPullShape: z.union([z.literal(true), z.strictObject({ tools: z.array(toolName).min(1) }), off]).optional(),
  echoExclusion: z.union([z.literal(true), off]).optional(),
  failingTool: z.union([z.strictObject({ tool: toolName, reason: z.string().min(1).optional() }), off]).optional(),
  noVault: z.union([z.literal(true), z.strictObject({ userIds: z.array(z.string().min(1)).min(1) }), off]).optional(),
  updateBlindReads: z.union([z.literal(true), off]).optional(),
  readBackDiffers: z.union([z.strictObject({ tool: toolName, field: z.string().min(1) }), off]).optional(),
});

export interface DefectState {
  syncPullShape: { tools: string[] } | null;
  echoExclusion: true | null;
  failingTool: { tool: string; reason?: string } | null;
  /** true: every user. */
  noVault: true | { userIds: string[] } | null;
  updateBlindReads: true | null;
  readBackDiffers: ReadBackDiffers | null;
}

/**
 * Ways the real mana stack breaks that the runner has to survive and report, switchable per test. A call a mode
 * fails never reaches its tool; echo exclusion and update-blind reads instead change what reads see (see PullView),
 * readBackDiffers what a write stores (see read-back.ts).
 */
export class McpDefects {
  #state: DefectState = { syncPullShape: null, echoExclusion: null, failingTool: null, noVault: null, updateBlindReads: null, readBackDiffers: null };
  #pushFailures = 0;

  set(input: z.output<typeof defectsInput>): void {
    const { syncPullShape, echoExclusion, failingTool, noVault, updateBlindReads, readBackDiffers } = input;
    if (syncPullShape !== undefined) {
      this.#state.syncPullShape = syncPullShape === true ? { tools: [...PULLING_READS] } : syncPullShape || null;
    }
    if (echoExclusion !== undefined) this.#state.echoExclusion = echoExclusion || null;
    if (failingTool !== undefined) this.#state.failingTool = failingTool || null;
    if (noVault !== undefined) this.#state.noVault = noVault || null;
    if (updateBlindReads !== undefined) this.#state.updateBlindReads = updateBlindReads || null;
    if (readBackDiffers !== undefined) this.#state.readBackDiffers = readBackDiffers || null;
  }

  state(): DefectState {
    return structuredClone(this.#state);
  }

  /** How reads pull the data under the modes switched on. */
  get pullView(): PullView {
    return { echoExclusion: this.#state.echoExclusion === true, updateBlind: this.#state.updateBlindReads === true };
  }

  get readBackDiffers(): ReadBackDiffers | null {
    return this.#state.readBackDiffers;
  }

  /** Why this call fails before its tool runs, in the order the real tool would hit it; undefined if it runs. */
  failure(tool: string, userId: string, now: Date): string | undefined {
    const { syncPullShape, failingTool, noVault } = this.#state;
    const vaultless = noVault === true || (noVault?.userIds.includes(userId) ?? false);
    if (vaultless && ENCRYPTED_MODULES.includes(moduleOf(tool))) return NO_VAULT_ERROR;
    if (syncPullShape?.tools.includes(tool)) return PULL_SHAPE_ERROR;
    if (failingTool?.tool === tool) return failingTool.reason ?? this.#pushFailure(now);
    return undefined;
  }

  /** A reason with a fresh id, timestamp and request number each time, like the real error texts. */
  #pushFailure(now: Date): string {
    const request = FIRST_REQUEST + this.#pushFailures++;
    return `mana-sync push failed: row ${crypto.randomUUID()} rejected at ${now.toISOString()} (HTTP 500, request ${request})`;
  }
}

function moduleOf(tool: string): string {
  return tool.split(".", 1)[0] ?? tool;
}
