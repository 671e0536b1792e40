/**
 * @module
 * Read-after-write checks as pure functions: which reads a run's writes need, and what a read result says about
 * each write (verified, missing, mismatch with the differing fields, read failed, unverifiable with the reason).
 * The written entity is only ever found by its id; a write whose result or input carries none is unverifiable.
 */
import { TOOL_RESULT_MAX_CHARS, truncate } from "../caps";
import type { ActionRecord } from "../claude/conversation";
import { at, type Expectation, READ_TOOLS, type ReadPath, VERIFY_TABLE, type WriteCheck } from "./table";

export type CheckStatus = "verified" | "missing" | "mismatch" | "read failed" | "unverifiable";

export interface FieldDiff {
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface CheckResult {
  toolUseId: string;
  tool: string;
  status: CheckStatus;
  detail?: string;
  diffs?: FieldDiff[];
}

export interface PlannedCheck {
  action: ActionRecord;
  check: WriteCheck;
  written: Record<string, unknown> | undefined;
  /** The written entity's id, from the write's result or input. */
  id: string;
  /** What the read must show: this write's, less what a later write of the run changed on the same entity. */
  expected: Expectation;
}

/** One read call and the writes it can check; `key` identifies it across a resume. */
export interface ReadGroup {
  key: string;
  read: ReadPath;
  args: Record<string, unknown>;
  checks: PlannedCheck[];
}

export interface Plan {
  groups: ReadGroup[];
  /** Writes no read can check, answered without a call. */
  unverifiable: CheckResult[];
}

/** What a write tool unknown to the table is answered: a tool not known as a read is a write (the wire has no policyHint). */
export const NO_READ_PATH = "no read path known";

/** Every successful call that is not a known read is a write to check; calls that failed changed nothing known. */
export function planChecks(actions: readonly ActionRecord[]): Plan {
  const planned: PlannedCheck[] = [];
  const unverifiable: CheckResult[] = [];
  for (const [index, action] of actions.entries()) {
    if (action.result !== "ok" || READ_TOOLS.has(action.toolName)) continue;
    const entry = VERIFY_TABLE[action.toolName];
    const reason = !entry ? NO_READ_PATH : "unverifiable" in entry ? entry.unverifiable : undefined;
    const check = reason === undefined ? plan(action, entry as WriteCheck, actions.slice(0, index)) : reason;
    if (typeof check === "string") unverifiable.push(result(action, "unverifiable", check));
    else planned.push(check);
  }
  const judgeable: PlannedCheck[] = [];
  for (const write of planned) {
    const expected = finalState(write, planned, actions);
    if (typeof expected === "string") unverifiable.push(result(write.action, "unverifiable", expected));
    else judgeable.push({ ...write, expected });
  }
  return { groups: grouped(judgeable), unverifiable };
}

/**
 * The write's check, or why it has none: without an id nothing would say which entity is this write's. An id the
 * write acts on must be one the run saw answered before: the real tools that change an entity push the change
 * without looking the id up, so a made-up id answers ok and no read could tell a landed change from none.
 */
function plan(action: ActionRecord, check: WriteCheck, earlier: readonly ActionRecord[]): PlannedCheck | string {
  const input = asObject(action.input) ?? {};
  const written = asObject(parseJson(action.output));
  const id = at(check.id.in === "result" ? written : input, check.id.path);
  if (typeof id !== "string") {
    const cut = check.id.in === "result" && action.output.length > TOOL_RESULT_MAX_CHARS;
    return `no id at ${check.id.path.join(".")} in the ${check.id.in}${cut ? ` (the result was cut at ${TOOL_RESULT_MAX_CHARS} characters when it was stored)` : ""}`;
  }
  if (check.id.in === "input" && !earlier.some((before) => before.result === "ok" && before.output.includes(id))) {
    return `id ${id} was not answered by any earlier call of this run: a change to an id nobody holds answers ok all the same`;
  }
  return { action, check, written, id, expected: check.expect(input, written) };
}

/**
 * What the entity's final state in this run still shows of a write: a field a later write set again is that
 * write's to check. Answers why it cannot be judged when a later write takes the entity out of the read altogether
 * (a sign resolved after it was captured).
 */
function finalState(write: PlannedCheck, all: readonly PlannedCheck[], actions: readonly ActionRecord[]): Expectation | string {
  const other = touchedLater(write, all, actions);
  if (other) return `${other.toolName} later in this run may have changed it too, and no read can tell which change shows`;
  if (!("shows" in write.expected)) return write.expected;
  const entity = (other: PlannedCheck) => other.check.read.tool === write.check.read.tool && other.id === write.id;
  const later = all.slice(all.indexOf(write) + 1).filter(entity);
  const removal = later.find((next) => "gone" in next.expected);
  if (removal) return `${removal.action.toolName} later in this run takes it out of ${write.check.read.tool}`;
  const set = new Set(later.flatMap((next) => ("shows" in next.expected ? Object.keys(next.expected.shows) : [])));
  const appended = new Set(later.flatMap((next) => ("shows" in next.expected ? Object.keys(next.expected.contains ?? {}) : [])));
  const { shows, contains = {} } = write.expected;
  return {
    shows: Object.fromEntries(Object.entries(shows).filter(([field]) => !set.has(field) && !appended.has(field))),
    contains: Object.fromEntries(Object.entries(contains).filter(([field]) => !set.has(field))),
  };
}

/**
 * A later call that names the entity's id and that no check of this run accounts for: a write the table does not
 * know, a write whose reply was lost (it may have landed), or one that changes it without being checked itself.
 */
function touchedLater(write: PlannedCheck, all: readonly PlannedCheck[], actions: readonly ActionRecord[]): ActionRecord | undefined {
  const checked = new Set(all.map((planned) => planned.action));
  return actions.slice(actions.indexOf(write.action) + 1).find((action) => {
    if (READ_TOOLS.has(action.toolName) || action.refused || checked.has(action)) return false;
    const mayHaveLanded = action.result === "ok" || EFFECT_UNKNOWN.test(action.errorMessage ?? "");
    return mayHaveLanded && JSON.stringify(action.input ?? {}).includes(write.id);
  });
}

/** The runner's words for a call whose answer never came back whole (src/mcp/session.ts, src/claude/loop.ts). */
const EFFECT_UNKNOWN = /effect unknown|^interrupted: /;

function grouped(checks: readonly PlannedCheck[]): ReadGroup[] {
  const groups = new Map<string, ReadGroup>();
  for (const planned of checks) {
    const input = asObject(planned.action.input) ?? {};
    const args = planned.check.read.args(input, planned.written);
    const key = `${planned.check.read.tool} ${JSON.stringify(args)}`;
    const group = groups.get(key) ?? { key, read: planned.check.read, args, checks: [] };
    group.checks.push(planned);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** What one read's answer says about each write of its group. */
export function judge(group: ReadGroup, outcome: { ok: true; text: string } | { ok: false; error: string }): CheckResult[] {
  const failed = (detail: string) => group.checks.map((planned) => result(planned.action, "read failed", detail));
  if (!outcome.ok) return failed(`${group.read.tool}: ${outcome.error}`);
  const list = asObject(parseJson(outcome.text))?.[group.read.list];
  if (!Array.isArray(list)) return failed(`${group.read.tool} answered without a "${group.read.list}" list`);
  const { limit } = group.args;
  const cut = typeof limit === "number" && list.length >= limit ? `${group.read.tool} returned its limit of ${limit} rows` : undefined;
  return group.checks.map((planned) => {
    const found = list.map(asObject).find((entity) => entity?.id === planned.id);
    return { ...result(planned.action, "verified"), ...compare(planned, group.read.tool, found, cut) };
  });
}

function compare(planned: PlannedCheck, reader: string, found: Record<string, unknown> | undefined, gap: string | undefined): Omit<CheckResult, "toolUseId" | "tool"> {
  const { expected } = planned;
  if ("gone" in expected) {
    const { field, expected: value, listed } = expected.gone;
    if (found) return { status: "mismatch", detail: `still listed by ${reader}`, diffs: [{ field, expected: shown(value), actual: shown(listed) }] };
    return gap ? { status: "unverifiable", detail: `not listed, but ${gap}` } : { status: "verified" };
  }
  if (!found) return gap ? { status: "unverifiable", detail: `not listed, but ${gap}` } : { status: "missing", detail: `no entity with id ${planned.id} in the read` };
  const diffs = [...differing(expected.shows, found), ...lacking(expected.contains ?? {}, found)];
  if (diffs.length > 0) return { status: "mismatch", detail: `differs in ${diffs.map((diff) => diff.field).join(", ")}`, diffs };
  return { status: "verified" };
}

function differing(shows: Record<string, unknown>, found: Record<string, unknown>): FieldDiff[] {
  return Object.entries(shows)
    .filter(([field, value]) => !same(found[field], value))
    .map(([field, value]) => ({ field, expected: shown(value), actual: shown(found[field]) }));
}

/** List fields that lack an item they must contain. */
function lacking(contains: Record<string, unknown[]>, found: Record<string, unknown>): FieldDiff[] {
  return Object.entries(contains)
    .filter(([field, items]) => {
      const actual = found[field];
      return !Array.isArray(actual) || items.some((item) => !actual.some((held) => same(held, item)));
    })
    .map(([field, items]) => ({ field, expected: shown({ contains: items }), actual: shown(found[field]) }));
}

function result(action: ActionRecord, status: CheckStatus, detail?: string): CheckResult {
  return { toolUseId: action.toolUseId, tool: action.toolName, status, ...(detail ? { detail } : {}) };
}

/** Equal as values; two ISO timestamps are equal when they name the same instant, whatever their offsets. */
function same(actual: unknown, expected: unknown): boolean {
  if (typeof actual === "string" && typeof expected === "string" && ISO_INSTANT.test(actual) && ISO_INSTANT.test(expected)) {
    return Date.parse(actual) === Date.parse(expected);
  }
  return JSON.stringify(actual) === JSON.stringify(expected);
}

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
const DIFF_VALUE_MAX_CHARS = 200;

/** A value as a diff keeps it: itself when short, else its JSON cut with a marker (a read may hold megabytes). */
function shown(value: unknown): unknown {
  const json = JSON.stringify(value) ?? "undefined";
  return json.length <= DIFF_VALUE_MAX_CHARS ? value : truncate(json, DIFF_VALUE_MAX_CHARS);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
