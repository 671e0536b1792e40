/**
 * @module
 * The coverage map as a pure function: from a week's per-tool tallies, distinct-persona counts and mana-mcp's
 * tool surface, which modules and tools the personas exercise and how it went for them, which offered tools no
 * persona called, which are no longer offered, and which modules personas wanted or named that mana-mcp lacks.
 */
import { moduleOf } from "../findings/causes";
import { isToolAllowed, type ToolPolicy } from "../mcp/policy";
import type { CheckStatus } from "../verify/check";
import { READ_TOOLS, VERIFY_TABLE } from "../verify/table";

/** The days a coverage map covers: today (UTC) and the six before it. */
export const COVERAGE_DAYS = 7;

/** Read-after-write verdicts of a tool's writes, by status ("read failed" as readFailed). */
export interface CheckCounts {
  verified: number;
  missing: number;
  mismatch: number;
  readFailed: number;
  unverifiable: number;
}

/** A tool's persona calls (verification's own reads left out), its failures and its writes' checks. */
export interface ToolTally {
  calls: number;
  failed: number;
  checks: CheckCounts;
}

/** What the store holds for the window: tallies per tool, and distinct personas per subject of each kind. */
export interface CoverageWindow {
  /** The start of the window's first day. */
  since: number;
  tools: Record<string, ToolTally>;
  personas: {
    /** Personas that called the tool, or a tool of the module. */
    tool: Record<string, number>;
    module: Record<string, number>;
    /** Personas whose module mix asks for the module. */
    wanted: Record<string, number>;
    /** Personas that named the module in their ratings or their own words. */
    mentioned: Record<string, number>;
  };
}

/** mana-mcp's tool surface as the findings follow it. */
export interface SurfaceView {
  /** The surface in force; undefined until a run has listed mana-mcp's tools. */
  offered: readonly string[] | undefined;
  /** Tools the surface lost within the window, each with its newest removal. */
  removed: readonly { tool: string; at: number }[];
}

/**
 * `offered`: in mana-mcp's list and offered to the personas; `withheld`: listed, but kept from the model by
 * TOOL_ALLOW / TOOL_DENY; `no longer offered`: called or removed within the window, gone from the list.
 */
export type ToolStatus = "offered" | "withheld" | "no longer offered";

/**
 * How verification treats the tool's calls: a `read` it may call itself, a write it `checks`, a write with `no read
 * path` (recorded unverifiable), or a tool `unknown` to the verification table, whose calls are writes recorded
 * unverifiable until the table learns it.
 */
export type Verification = "read" | "checked" | "no read path" | "unknown";

export interface WriteCoverage extends CheckCounts {
  checks: number;
  verifiedShare: number;
  /** Missing or mismatch: the reads did not show what was written. */
  missingShare: number;
  /** The read itself failed: nothing is known about the write. */
  readFailedShare: number;
  unverifiableShare: number;
}

export interface Figures {
  calls: number;
  personas: number;
  failed: number;
  /** Failed calls over calls; null without calls. */
  failureShare: number | null;
  /** Present once the window holds checks of its writes. */
  writes?: WriteCoverage;
}

export interface ToolCoverage extends Figures {
  tool: string;
  module: string;
  status: ToolStatus;
  verification: Verification;
  removedAt?: number;
}

export interface ModuleCoverage extends Figures {
  module: string;
  /** At least one of its tools is offered to the personas. */
  offered: boolean;
  toolsOffered: number;
  toolsCalled: number;
  wantedBy: number;
  mentionedBy: number;
}

export interface CoverageMap {
  days: number;
  since: number;
  /** Whether a run has listed mana-mcp's tools yet; until then nothing counts as offered but what was called. */
  surfaceKnown: boolean;
  summary: { toolsOffered: number; toolsCalled: number; modulesOffered: number; modulesExercised: number; calls: number };
  modules: ModuleCoverage[];
  tools: ToolCoverage[];
  /** Offered to the personas, called by none within the window. */
  neverCalled: string[];
  noLongerOffered: { tool: string; calls: number; removedAt?: number }[];
  /** Modules personas wanted or named that no offered tool belongs to, most wanted first. */
  wantedNotOffered: { module: string; wantedBy: number; mentionedBy: number }[];
}

/** The short part of the daily digest. */
export type CoverageDigest = Pick<CoverageMap, "days" | "summary" | "neverCalled" | "noLongerOffered" | "wantedNotOffered">;

/** Where each verification status is counted. */
export const CHECK_KEYS: Readonly<Record<CheckStatus, keyof CheckCounts>> = {
  verified: "verified",
  missing: "missing",
  mismatch: "mismatch",
  "read failed": "readFailed",
  unverifiable: "unverifiable",
};
const KEYS = Object.values(CHECK_KEYS);

export const NO_CHECKS: Readonly<CheckCounts> = { verified: 0, missing: 0, mismatch: 0, readFailed: 0, unverifiable: 0 };
const NO_CALLS: ToolTally = { calls: 0, failed: 0, checks: NO_CHECKS };

export function coverageMap(window: CoverageWindow, surface: SurfaceView, policy: ToolPolicy): CoverageMap {
  const listed = new Set(surface.offered ?? Object.keys(window.tools));
  const removedAt = new Map(surface.removed.map((entry) => [entry.tool, entry.at]));
  const names = [...new Set([...listed, ...Object.keys(window.tools), ...removedAt.keys()])].sort();
  const tools = names.map((tool) => toolCoverage(tool, window, listed.has(tool) ? (isToolAllowed(tool, policy) ? "offered" : "withheld") : "no longer offered", removedAt.get(tool)));
  const offered = tools.filter((entry) => entry.status === "offered");
  const modules = moduleCoverage(tools, window);
  const offeredModules = modules.filter((entry) => entry.offered);
  return {
    days: COVERAGE_DAYS,
    since: window.since,
    surfaceKnown: surface.offered !== undefined,
    summary: {
      toolsOffered: offered.length,
      toolsCalled: offered.filter((entry) => entry.calls > 0).length,
      modulesOffered: offeredModules.length,
      modulesExercised: offeredModules.filter((entry) => entry.calls > 0).length,
      calls: tools.reduce((sum, entry) => sum + entry.calls, 0),
    },
    modules,
    tools,
    neverCalled: offered.filter((entry) => entry.calls === 0).map((entry) => entry.tool),
    noLongerOffered: tools
      .filter((entry) => entry.status === "no longer offered")
      .map((entry) => ({ tool: entry.tool, calls: entry.calls, ...(entry.removedAt !== undefined ? { removedAt: entry.removedAt } : {}) })),
    wantedNotOffered: modules
      .filter((entry) => !entry.offered && entry.wantedBy + entry.mentionedBy > 0)
      .map(({ module, wantedBy, mentionedBy }) => ({ module, wantedBy, mentionedBy }))
      .sort((a, b) => b.wantedBy + b.mentionedBy - (a.wantedBy + a.mentionedBy) || a.module.localeCompare(b.module)),
  };
}

export function coverageDigest(map: CoverageMap): CoverageDigest {
  const { days, summary, neverCalled, noLongerOffered, wantedNotOffered } = map;
  return { days, summary, neverCalled, noLongerOffered, wantedNotOffered };
}

/** How verification treats a tool's calls, from its one table. */
export function verificationOf(tool: string): Verification {
  if (READ_TOOLS.has(tool)) return "read";
  const entry = VERIFY_TABLE[tool];
  if (!entry) return "unknown";
  return "unverifiable" in entry ? "no read path" : "checked";
}

function toolCoverage(tool: string, window: CoverageWindow, status: ToolStatus, removedAt: number | undefined): ToolCoverage {
  const tally = window.tools[tool] ?? NO_CALLS;
  return {
    tool,
    module: moduleOf(tool),
    status,
    verification: verificationOf(tool),
    ...figures(tally, window.personas.tool[tool] ?? 0),
    ...(status === "no longer offered" && removedAt !== undefined ? { removedAt } : {}),
  };
}

/** Every module a tool belongs to or a persona wanted or named, its tools' tallies summed. */
function moduleCoverage(tools: readonly ToolCoverage[], window: CoverageWindow): ModuleCoverage[] {
  const names = [...new Set([...tools.map((entry) => entry.module), ...Object.keys(window.personas.wanted), ...Object.keys(window.personas.mentioned)])].sort();
  return names.map((module) => {
    const own = tools.filter((entry) => entry.module === module);
    const offered = own.filter((entry) => entry.status === "offered");
    const tally = own.map((entry) => window.tools[entry.tool] ?? NO_CALLS).reduce(addTally, NO_CALLS);
    return {
      module,
      offered: offered.length > 0,
      toolsOffered: offered.length,
      toolsCalled: offered.filter((entry) => entry.calls > 0).length,
      ...figures(tally, window.personas.module[module] ?? 0),
      wantedBy: window.personas.wanted[module] ?? 0,
      mentionedBy: window.personas.mentioned[module] ?? 0,
    };
  });
}

function figures(tally: ToolTally, personas: number): Figures {
  const writes = writeCoverage(tally.checks);
  return {
    calls: tally.calls,
    personas,
    failed: tally.failed,
    failureShare: tally.calls > 0 ? tally.failed / tally.calls : null,
    ...(writes ? { writes } : {}),
  };
}

function writeCoverage(counts: CheckCounts): WriteCoverage | undefined {
  const checks = KEYS.reduce((sum, key) => sum + counts[key], 0);
  if (checks === 0) return undefined;
  return {
    checks,
    ...counts,
    verifiedShare: counts.verified / checks,
    missingShare: (counts.missing + counts.mismatch) / checks,
    readFailedShare: counts.readFailed / checks,
    unverifiableShare: counts.unverifiable / checks,
  };
}

function addTally(a: ToolTally, b: ToolTally): ToolTally {
  return {
    calls: a.calls + b.calls,
    failed: a.failed + b.failed,
    checks: Object.fromEntries(KEYS.map((key) => [key, a.checks[key] + b.checks[key]])) as unknown as CheckCounts,
  };
}
