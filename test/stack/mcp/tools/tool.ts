/** @module How a stand-in mana tool is defined: a zod input shape, a handler over the session's space data, ToolFailure for failures. */
import type { z } from "zod";
import type { Records } from "../records";

/** What a handler may touch: the session's space and user (frozen at initialize) and the space's data. */
export interface ToolContext {
  records: Records;
  space: string;
  userId: string;
  now: Date;
}

/**
 * One mana tool. `input` is a zod shape, as in mana's tool registry; the SDK derives the advertised JSON
 * Schema from it and validates arguments before `run` sees them.
 */
export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  input: S;
  run(args: z.output<z.ZodObject<S>>, context: ToolContext): unknown;
}

/** The reason behind a `Tool <name> failed: <reason>` result; the invocation layer adds the prefix. */
export class ToolFailure extends Error {}

/** Keeps each tool's argument type checked while the catalog holds them all under one type. */
export function defineTool<S extends z.ZodRawShape>(def: ToolDef<S>): ToolDef {
  return def as unknown as ToolDef;
}

export function notFound(what: string, id: string): ToolFailure {
  return new ToolFailure(`${what} ${id} not found`);
}
