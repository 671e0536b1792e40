/**
 * @module
 * mana-mcp's tool surface as the runs see it: a change (a tool added, removed, its input schema changed) counts
 * once two runs have seen the same new surface, so one odd session never announces a change, and a run that
 * started before a change and finished after it cannot undo it. Schema changes are described field by field.
 */
import type { SurfaceEntry } from "../mcp/fingerprint";

/** tool → fingerprint of its input schema. */
export type Surface = Record<string, string>;

export interface SurfaceState {
  tools: Surface;
  /** The schemas personas have been using: a changed schema becomes part of it once it has settled. */
  baseline: Surface;
  /** When each tool last changed (added, removed, or its schema). */
  changedAt: Record<string, number>;
  /** The start of the newest run whose surface was applied or matched it. */
  observedAt: number;
  /** A different surface seen by fewer runs than needed so far. */
  candidate?: { tools: Surface; runs: string[] };
}

export type ChangeKind = "added" | "removed" | "changed";

export interface SurfaceChange {
  tool: string;
  change: ChangeKind;
  from?: string;
  to?: string;
}

export interface Observation {
  /** When the run listed its tools (its start). */
  at: number;
  runId: string;
  surface: readonly SurfaceEntry[];
}

export function observeSurface(state: SurfaceState | undefined, seen: Observation, minRuns: number): { state: SurfaceState; changes: SurfaceChange[] } {
  const tools = Object.fromEntries(seen.surface);
  if (!state) return { state: { tools, baseline: { ...tools }, changedAt: {}, observedAt: seen.at }, changes: [] };
  if (seen.at < state.observedAt) return { state, changes: [] };
  const { candidate: _waiting, ...settled } = state;
  if (same(tools, state.tools)) return { state: { ...settled, observedAt: seen.at }, changes: [] };
  const runs = state.candidate && same(state.candidate.tools, tools) ? [...new Set([...state.candidate.runs, seen.runId])] : [seen.runId];
  if (runs.length < minRuns) return { state: { ...state, candidate: { tools, runs } }, changes: [] };
  const changes = diffSurface(state.tools, tools);
  const baseline = { ...state.baseline };
  const changedAt = { ...state.changedAt };
  for (const change of changes) {
    changedAt[change.tool] = seen.at;
    // A new tool is the new normal at once; one that comes back is judged against what it was.
    if (change.change === "added" && baseline[change.tool] === undefined && change.to !== undefined) baseline[change.tool] = change.to;
  }
  return { state: { tools, baseline, changedAt, observedAt: seen.at }, changes };
}

/** Schemas that have been in force for the settling time become the baseline: the change is the new normal. */
export function settle(state: SurfaceState, now: number, settleMs: number): SurfaceState {
  const baseline = { ...state.baseline };
  for (const [tool, fingerprint] of Object.entries(state.tools)) {
    if (baseline[tool] !== fingerprint && now - (state.changedAt[tool] ?? 0) >= settleMs) baseline[tool] = fingerprint;
  }
  return same(baseline, state.baseline) ? state : { ...state, baseline };
}

export function diffSurface(before: Surface, after: Surface): SurfaceChange[] {
  const changes: SurfaceChange[] = [];
  for (const tool of Object.keys({ ...before, ...after }).sort()) {
    const from = before[tool];
    const to = after[tool];
    if (from === undefined && to !== undefined) changes.push({ tool, change: "added", to });
    else if (from !== undefined && to === undefined) changes.push({ tool, change: "removed", from });
    else if (from !== to) changes.push({ tool, change: "changed", from, to });
  }
  return changes;
}

function same(a: Surface, b: Surface): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

type Schema = { properties?: Record<string, unknown>; required?: unknown };

/** What changed in an input schema, one line per field: `+ source (string, required)`, `− tags`, `~ level: …`. */
export function schemaDiff(before: unknown, after: unknown): string[] {
  const a = asSchema(before);
  const b = asSchema(after);
  const propsA = a.properties ?? {};
  const propsB = b.properties ?? {};
  const requiredA = new Set(requiredOf(a));
  const requiredB = new Set(requiredOf(b));
  const lines: string[] = [];
  for (const field of Object.keys({ ...propsA, ...propsB }).sort()) {
    const was = propsA[field];
    const is = propsB[field];
    if (was === undefined) lines.push(`+ ${field} (${describe(is)}${requiredB.has(field) ? ", required" : ""})`);
    else if (is === undefined) lines.push(`− ${field}`);
    else if (JSON.stringify(was) !== JSON.stringify(is)) lines.push(`~ ${field}: ${describe(was)} → ${describe(is)}`);
    else if (requiredA.has(field) !== requiredB.has(field)) lines.push(`~ ${field}: ${requiredB.has(field) ? "now required" : "now optional"}`);
  }
  if (lines.length === 0 && JSON.stringify(before) !== JSON.stringify(after)) lines.push("~ the schema's other keywords");
  return lines;
}

function asSchema(value: unknown): Schema {
  return typeof value === "object" && value !== null ? (value as Schema) : {};
}

function requiredOf(schema: Schema): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === "string") : [];
}

/** A field's schema in a few words: its type and, where it has them, its choices or bounds. */
function describe(schema: unknown): string {
  if (typeof schema !== "object" || schema === null) return "any";
  const field = schema as Record<string, unknown>;
  const type = Array.isArray(field.type) ? field.type.join("|") : typeof field.type === "string" ? field.type : "any";
  if (Array.isArray(field.enum)) return `${type} of ${field.enum.slice(0, 6).map(String).join("/")}${field.enum.length > 6 ? "/…" : ""}`;
  const bounds = ["minimum", "maximum", "minLength", "maxLength"].filter((key) => field[key] !== undefined).map((key) => `${key} ${String(field[key])}`);
  return bounds.length > 0 ? `${type}, ${bounds.join(", ")}` : type;
}
