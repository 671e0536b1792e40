/**
 * @module
 * The mana-mcp stand-in's defect modes: sync pull-shape failures, echo exclusion, a failing tool, users without a
 * vault, update-blind reads, a write that reads back different, and the outages, slowness, tool-surface changes and
 * noise a findings engine must tell apart.
 */
import { z } from "zod";
import { failsAt, TransientNoise } from "./rates";
import type { ReadBackDiffers } from "./read-back";
import type { PullView } from "./records";
import snapshot from "./registry.snapshot.json";
import { TOOLS } from "./tools/catalog";

/** The tools that pull from mana-sync, reads and writes alike, which the pull-shape bug hits (the registry's facts). */
export const PULLING_TOOLS = snapshot.tools.filter((tool) => tool.pullsSync).map((tool) => tool.name);

/** The tools that open the user's vault for encrypted fields, which fail for a user without one (the registry's facts). */
const VAULT_TOOLS: ReadonlySet<string> = new Set(snapshot.tools.filter((tool) => tool.needsVault).map((tool) => tool.name));

/** mana-mcp reads `changes` where the real mana-sync answers `serverChanges`, so every pull throws this. */
const PULL_SHAPE_ERROR = "undefined is not an object (evaluating '(await pullAll(…)).changes.filter')";

/** What mana-auth answers for a user without a vault, such as every persona mana's seed script creates. */
const NO_VAULT_ERROR =
  'mana-auth /encryption-vault/key failed: HTTP 404 — {"error":"vault not initialised","code":"VAULT_NOT_INITIALISED"}';

/** The request number the generated push failures count up from. */
const FIRST_REQUEST = 4711;

/** What mana-sync's proxy answers while the sync service is down: the body of a module outage's failures. */
const OUTAGE_ANSWER = "503 Service Unavailable — no healthy upstream";

/** What a flapping mana-sync answers now and then, behind the sync client's `mana-sync push|pull failed: `. */
const TRANSIENT_ANSWERS = [
  "503 Service Unavailable — upstream connect error or disconnect/reset before headers. reset reason: connection termination",
  "504 Gateway Timeout — upstream request timeout",
];

/** A per-account refusal that fails every tool of one user: mana-auth refusing the user's vault key. */
const ACCOUNT_REFUSED = 'mana-auth /encryption-vault/key failed: HTTP 403 — {"error":"Forbidden"}';

/** Verbs of the registry's read tools (policyHint "read"), which pull from mana-sync; the others push. */
const PULLING_VERB = /^(list|search|today|recent|consult|yearRecap)/;

const toolName = z.string().refine((name) => TOOLS.some((tool) => tool.name === name), "not a tool of mana-mcp");
const moduleName = z.string().refine((name) => TOOLS.some((tool) => moduleOf(tool.name) === name), "not a module of mana-mcp");
const off = z.union([z.null(), z.literal(false)]);
const reason = z.string().min(1).optional();

/** Body of PUT /__stack/mcp/defects: a key left out stays as it is, null or false switches its mode off. */
export const defectsInput = z.strictObject({
  syncPullShape: z.union([z.literal(true), z.strictObject({ tools: z.array(toolName).min(1) }), off]).optional(),
  echoExclusion: z.union([z.literal(true), off]).optional(),
  failingTool: z
    .union([z.strictObject({ tool: toolName, reason, rate: z.number().gt(0).max(1).optional(), spread: z.enum(["even", "random"]).optional() }), off])
    .optional(),
  noVault: z.union([z.literal(true), z.strictObject({ userIds: z.array(z.string().min(1)).min(1) }), off]).optional(),
  moduleOutage: z.union([z.strictObject({ module: moduleName, reason }), off]).optional(),
  down: z
    .union([z.literal(true), z.strictObject({ status: z.union([z.literal(502), z.literal(503), z.literal(504)]) }), off])
    .optional(),
  slowTool: z.union([z.strictObject({ tool: toolName, ms: z.int().min(1).max(60_000) }), off]).optional(),
  removedTools: z.union([z.strictObject({ tools: z.array(toolName).min(1) }), off]).optional(),
  schemaChange: z.union([z.strictObject({ tool: toolName }), off]).optional(),
  failingUser: z.union([z.strictObject({ userId: z.string().min(1), reason }), off]).optional(),
  transientFailures: z.union([z.strictObject({ rate: z.number().gt(0).max(0.5) }), off]).optional(),
  updateBlindReads: z.union([z.literal(true), off]).optional(),
  readBackDiffers: z.union([z.strictObject({ tool: toolName, field: z.string().min(1) }), off]).optional(),
});

export interface DefectState {
  syncPullShape: { tools: string[] } | null;
  echoExclusion: true | null;
  /** Without a rate, every call fails. */
  failingTool: { tool: string; reason?: string; rate?: number; spread?: "even" | "random" } | null;
  /** true: every user. */
  noVault: true | { userIds: string[] } | null;
  moduleOutage: { module: string; reason?: string } | null;
  down: { status: 502 | 503 | 504 } | null;
  slowTool: { tool: string; ms: number } | null;
  removedTools: { tools: string[] } | null;
  schemaChange: { tool: string } | null;
  failingUser: { userId: string; reason?: string } | null;
  transientFailures: { rate: number } | null;
  updateBlindReads: true | null;
  readBackDiffers: ReadBackDiffers | null;
}

/** The state with every mode off, as after a reset. */
export const NO_DEFECTS: Readonly<DefectState> = {
  syncPullShape: null,
  echoExclusion: null,
  failingTool: null,
  noVault: null,
  moduleOutage: null,
  down: null,
  slowTool: null,
  removedTools: null,
  schemaChange: null,
  failingUser: null,
  transientFailures: null,
  updateBlindReads: null,
  readBackDiffers: null,
};

/**
 * Ways the real mana stack breaks that the runner has to survive and report, switchable per test. A call a mode
 * fails never reaches its tool; echo exclusion and update-blind reads instead change what reads see (see PullView),
 * readBackDiffers what a write stores (see read-back.ts), `down` answers for the whole server before it sees a
 * request (host.ts), a slow tool runs and answers late (host.ts), and removed tools and a schema change shape what
 * sessions opened meanwhile are offered (surface.ts).
 */
export class McpDefects {
  #state: DefectState = { ...NO_DEFECTS };
  #pushFailures = 0;
  /** Calls of the failing tool since the mode was set, so its rate fails the same calls of the same sequence. */
  #failingToolCalls = 0;
  #noise: TransientNoise | null = null;

  set(input: z.output<typeof defectsInput>): void {
    const { syncPullShape, echoExclusion, failingTool, noVault, updateBlindReads, readBackDiffers } = input;
    if (syncPullShape !== undefined) {
      this.#state.syncPullShape = syncPullShape === true ? { tools: [...PULLING_TOOLS] } : syncPullShape || null;
    }
    if (echoExclusion !== undefined) this.#state.echoExclusion = echoExclusion || null;
    if (failingTool !== undefined) {
      this.#state.failingTool = failingTool || null;
      this.#failingToolCalls = 0;
    }
    if (noVault !== undefined) this.#state.noVault = noVault || null;
    if (updateBlindReads !== undefined) this.#state.updateBlindReads = updateBlindReads || null;
    if (readBackDiffers !== undefined) this.#state.readBackDiffers = readBackDiffers || null;
    this.#setOutagesAndNoise(input);
  }

  #setOutagesAndNoise(input: z.output<typeof defectsInput>): void {
    const { moduleOutage, down, slowTool, removedTools, schemaChange, failingUser, transientFailures } = input;
    if (moduleOutage !== undefined) this.#state.moduleOutage = moduleOutage || null;
    if (down !== undefined) this.#state.down = down === true ? { status: 503 } : down || null;
    if (slowTool !== undefined) this.#state.slowTool = slowTool || null;
    if (removedTools !== undefined) this.#state.removedTools = removedTools || null;
    if (schemaChange !== undefined) this.#state.schemaChange = schemaChange || null;
    if (failingUser !== undefined) this.#state.failingUser = failingUser || null;
    if (transientFailures !== undefined) {
      this.#state.transientFailures = transientFailures || null;
      this.#noise = transientFailures ? new TransientNoise(transientFailures.rate) : null;
    }
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

  /** The status the proxy in front of mana-mcp answers every request with while it is down; undefined when up. */
  get downStatus(): number | undefined {
    return this.#state.down?.status;
  }

  /** How long the reply of a call of this tool is held back; undefined when it is not slow. */
  delayOf(tool: string): number | undefined {
    const slow = this.#state.slowTool;
    return slow?.tool === tool ? slow.ms : undefined;
  }

  /** Why this call fails before its tool runs, in the order the real tool would hit it; undefined if it runs. */
  failure(tool: string, userId: string, now: Date): string | undefined {
    const { syncPullShape, failingTool, noVault, moduleOutage, failingUser } = this.#state;
    if (failingUser?.userId === userId) return failingUser.reason ?? ACCOUNT_REFUSED;
    const vaultless = noVault === true || (noVault?.userIds.includes(userId) ?? false);
    if (vaultless && VAULT_TOOLS.has(tool)) return NO_VAULT_ERROR;
    if (moduleOutage?.module === moduleOf(tool)) return moduleOutage.reason ?? syncFailure(tool, OUTAGE_ANSWER);
    if (syncPullShape?.tools.includes(tool)) return PULL_SHAPE_ERROR;
    if (failingTool?.tool === tool && failsAt(this.#failingToolCalls++, failingTool.rate ?? 1, failingTool.spread ?? "even")) {
      return failingTool.reason ?? this.#pushFailure(now);
    }
    const noisy = this.#noise?.next(tool);
    if (noisy !== undefined) return syncFailure(tool, TRANSIENT_ANSWERS[noisy % TRANSIENT_ANSWERS.length]!);
    return undefined;
  }

  /** A reason with a fresh id, timestamp and request number each time, like the real error texts. */
  #pushFailure(now: Date): string {
    const request = FIRST_REQUEST + this.#pushFailures++;
    return `mana-sync push failed: row ${crypto.randomUUID()} rejected at ${now.toISOString()} (HTTP 500, request ${request})`;
  }
}

/** The sync client's wording for an answer of mana-sync that was not ok: reads pull, writes push. */
function syncFailure(tool: string, answer: string): string {
  const verb = tool.slice(tool.indexOf(".") + 1);
  return `mana-sync ${PULLING_VERB.test(verb) ? "pull" : "push"} failed: ${answer}`;
}

function moduleOf(tool: string): string {
  return tool.split(".", 1)[0] ?? tool;
}
