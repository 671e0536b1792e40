/**
 * @module
 * A tool run under the readBackDiffers defect: the write answers what was asked, but from then on the record it
 * wrote holds something else in one field, so every later read shows the difference.
 */
import type { RecordWrite } from "./records";
import type { ToolContext, ToolDef } from "./tools/tool";

/** The field of one write tool whose stored value differs from what the tool answered. */
export interface ReadBackDiffers {
  tool: string;
  field: string;
}

export function runTool(tool: ToolDef, args: Parameters<ToolDef["run"]>[0], context: ToolContext, differs: ReadBackDiffers | null): unknown {
  if (differs?.tool !== tool.name) return tool.run(args, context);
  const writes: RecordWrite[] = [];
  const value = tool.run(args, { ...context, records: context.records.observed((write) => writes.push(write)) });
  // The last write that stored the field: an update's, or the created record's (not an image it made on the way).
  const stored = (write: RecordWrite) => context.records.find<Record<string, unknown> & { id: string }>(write.space, write.kind, write.id)?.[differs.field];
  const target = writes.findLast((write) => stored(write) !== undefined);
  if (target) context.records.overwrite(target, differs.field, differing(target.before?.[differs.field], stored(target)));
  return value;
}

/** What reads show instead of `written`: the value before the write when there was a different one, else an altered one. */
export function differing(before: unknown, written: unknown): unknown {
  if (before !== undefined && JSON.stringify(before) !== JSON.stringify(written)) return before;
  if (typeof written === "string") return `${written} (anders)`;
  if (typeof written === "number") return written + 1;
  if (typeof written === "boolean") return !written;
  if (Array.isArray(written)) return written.length > 1 && JSON.stringify(written.toReversed()) !== JSON.stringify(written) ? written.toReversed() : [...written, "anders"];
  return written === null ? "anders" : null;
}
