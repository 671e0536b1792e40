/** @module Schema-valid tool input for the stand-in persona: optional fields mostly skipped, small numbers, known record ids reused. */
import { concrete, typeOf, type JsonSchema } from "./schema";
import { stringFor, type StringContext } from "./strings";

export interface ArgumentContext extends StringContext {
  /** The record id to act on, for tools that need one (see play.ts). */
  id?: string;
}

/** How often an optional property is filled in: personas skip most of them, like real users. */
const OPTIONAL_SHARE = 0.35;
const MAX_DEPTH = 4;

/** Tool input that validates against the tool's input_schema. */
export function argumentsFor(schema: JsonSchema, context: ArgumentContext): Record<string, unknown> {
  return objectFor(schema, context, 0);
}

function objectFor(schema: JsonSchema, context: ArgumentContext, depth: number): Record<string, unknown> {
  const required = new Set(schema.required ?? []);
  const input: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (!required.has(key) && !context.rng.chance(OPTIONAL_SHARE)) continue;
    const knownId = key === "id" && depth === 0 ? context.id : undefined;
    input[key] = knownId ?? valueFor(property, key, context, depth + 1);
  }
  return input;
}

function valueFor(raw: JsonSchema, key: string, context: ArgumentContext, depth: number): unknown {
  const schema = concrete(raw);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return context.rng.pick(schema.enum);
  switch (typeOf(schema)) {
    case "object":
      return depth > MAX_DEPTH ? {} : objectFor(schema, context, depth);
    case "array":
      return arrayFor(schema, key, context, depth);
    case "integer":
    case "number":
      return numberFor(schema, context);
    case "boolean":
      return context.rng.chance(0.5);
    case "null":
      return null;
    default:
      return stringFor(schema, key, context);
  }
}

function arrayFor(schema: JsonSchema, key: string, context: ArgumentContext, depth: number): unknown[] {
  const min = schema.minItems ?? 0;
  const max = Math.min(schema.maxItems ?? min + 2, min + 2);
  const items = Array.from({ length: context.rng.int(min, max) }, () =>
    valueFor(schema.items ?? {}, key, context, depth + 1),
  );
  return schema.uniqueItems ? [...new Set(items)] : items;
}

/**
 * A small number inside the bounds: zod's int() announces ±2^53 bounds, which say nothing about what a
 * person would type, so values stay near 1..10 unless the schema insists otherwise.
 */
function numberFor(schema: JsonSchema, { rng }: ArgumentContext): number {
  const floor = schema.exclusiveMinimum !== undefined ? Math.floor(schema.exclusiveMinimum) + 1 : schema.minimum;
  const ceiling = schema.exclusiveMaximum !== undefined ? Math.ceil(schema.exclusiveMaximum) - 1 : schema.maximum;
  let lo = Math.max(1, floor ?? -Infinity);
  let hi = Math.min(lo + 9, ceiling ?? Infinity);
  if (hi < lo) {
    hi = ceiling ?? lo;
    lo = Math.max(floor ?? -Infinity, hi - 9);
  }
  return rng.int(Math.ceil(lo), Math.floor(hi));
}
