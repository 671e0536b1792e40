/**
 * @module
 * Read-after-write checks as pure functions: which reads a run's writes need, and what a read result says about
 * each write (verified, missing, mismatch with the differing fields, read failed, unverifiable).
 */
import { truncate } from "../caps";
import type { ActionRecord } from "../claude/conversation";
import { READ_TOOLS, type ReadPath, VERIFY_TABLE, type WriteCheck } from "./table";

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
  /** The fields the read must show: this write's, less those a later write of the run set on the same entity. */
  expected: Record<string, unknown>;
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

/** Every successful call that is not a known read is a write to check; calls that failed changed nothing known. */
export function planChecks(actions: readonly ActionRecord[]): Plan {
  const groups = new Map<string, ReadGroup>();
  const unverifiable: CheckResult[] = [];
  const byEntity = new Map<string, PlannedCheck[]>();
  for (const action of actions) {
    if (action.result !== "ok" || READ_TOOLS.has(action.toolName)) continue;
    const entry = VERIFY_TABLE[action.toolName];
    if (!entry || "unverifiable" in entry) {
      const detail = entry ? entry.unverifiable : `${action.toolName} is not in the verification table`;
      unverifiable.push({ toolUseId: action.toolUseId, tool: action.toolName, status: "unverifiable", detail });
      continue;
    }
    const input = asObject(action.input) ?? {};
    const written = asObject(parseJson(action.output));
    const args = entry.read.args(input, written);
    const key = `${entry.read.tool} ${JSON.stringify(args)}`;
    const group = groups.get(key) ?? { key, read: entry.read, args, checks: [] };
    const planned: PlannedCheck = { action, check: entry, written, expected: entry.expect(input) };
    group.checks.push(planned);
    groups.set(key, group);
    const id = entityId(planned);
    if (id !== undefined) byEntity.set(`${entry.read.tool} ${id}`, [...(byEntity.get(`${entry.read.tool} ${id}`) ?? []), planned]);
  }
  for (const writes of byEntity.values()) supersede(writes);
  return { groups: [...groups.values()], unverifiable };
}

/** A field a later write of the run set again is that write's to check: the read shows the last value. */
function supersede(writes: readonly PlannedCheck[]): void {
  writes.forEach((write, index) => {
    const later = new Set(writes.slice(index + 1).flatMap((next) => Object.keys(next.expected)));
    write.expected = Object.fromEntries(Object.entries(write.expected).filter(([field]) => !later.has(field)));
  });
}

function entityId(planned: PlannedCheck): string | undefined {
  const id = planned.check.id === "result" ? planned.written?.id : asObject(planned.action.input)?.id;
  return typeof id === "string" ? id : undefined;
}

/** What one read's answer says about each write of its group. */
export function judge(group: ReadGroup, outcome: { ok: true; text: string } | { ok: false; error: string }): CheckResult[] {
  const base = (planned: PlannedCheck) => ({ toolUseId: planned.action.toolUseId, tool: planned.action.toolName });
  if (!outcome.ok) return group.checks.map((planned) => ({ ...base(planned), status: "read failed", detail: `${group.read.tool}: ${outcome.error}` }));
  const list = asObject(parseJson(outcome.text))?.[group.read.list];
  if (!Array.isArray(list)) {
    const detail = `${group.read.tool} answered without a "${group.read.list}" list`;
    return group.checks.map((planned) => ({ ...base(planned), status: "read failed", detail }));
  }
  return group.checks.map((planned) => ({ ...base(planned), ...compare(planned, list.map(asObject)) }));
}

function compare(planned: PlannedCheck, entities: (Record<string, unknown> | undefined)[]): Pick<CheckResult, "status" | "detail" | "diffs"> {
  const input = asObject(planned.action.input) ?? {};
  const id = entityId(planned);
  const found =
    id !== undefined
      ? entities.find((entity) => entity?.id === id)
      : entities.find((entity) => planned.check.matchBy.length > 0 && planned.check.matchBy.every((field) => same(entity?.[field], input[field])));
  const by = id !== undefined ? `id ${id}` : `fields ${planned.check.matchBy.join(", ")}`;
  if (!found) return { status: "missing", detail: `no entity with ${by} in the read` };
  const diffs = Object.entries(planned.expected)
    .filter(([field, expected]) => !same(found[field], expected))
    .map(([field, expected]) => ({ field, expected: shown(expected), actual: shown(found[field]) }));
  if (diffs.length > 0) return { status: "mismatch", detail: `differs in ${diffs.map((diff) => diff.field).join(", ")}`, diffs };
  return { status: "verified" };
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
