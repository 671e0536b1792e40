/** @module Schema-valid tool input for the stand-in persona: optional fields mostly skipped, small numbers, seen entities referred to, changes that change something. */
import { isRef } from "./refs";
import { concrete, typeOf, type JsonSchema } from "./schema";
import { stringFor, type StringContext } from "./strings";

export interface ArgumentContext extends StringContext {
  /** Values of the arguments that name seen entities (see refs.ts). */
  refs: Record<string, unknown>;
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
    const named = depth === 0 && isRef(key);
    // Only what was seen is named; an optional reference to nothing seen is left out rather than made up.
    if (named && key in context.refs && (required.has(key) || context.rng.chance(OPTIONAL_SHARE))) input[key] = context.refs[key];
    else if (required.has(key) || (!named && context.rng.chance(OPTIONAL_SHARE))) input[key] = valueFor(property, key, context, depth + 1);
  }
  return input;
}

/**
 * A call that changes a seen entity asks for something it does not show yet: at least one field is given, and a
 * given value (or a default, like archive's `archived: true`) that equals the entity's is changed, so a rename
 * renames and an archive archives (`archived` is the entity's `isArchived`).
 */
export function asChange(input: Record<string, unknown>, schema: JsonSchema, entity: Record<string, unknown>, context: ArgumentContext): Record<string, unknown> {
  const properties = schema.properties ?? {};
  const optional = Object.keys(properties).filter((key) => !(schema.required ?? []).includes(key) && !isRef(key));
  if (optional.length === 0) return input;
  const changed = { ...input };
  if (!optional.some((key) => key in changed || properties[key]?.default !== undefined)) {
    const key = context.rng.pick(optional);
    changed[key] = valueFor(properties[key] ?? {}, key, context, 1);
  }
  for (const key of optional) {
    const property = properties[key] ?? {};
    const current = entity[key] ?? entity[`is${key[0]?.toUpperCase()}${key.slice(1)}`];
    const asked = key in changed ? changed[key] : property.default;
    if (asked !== undefined && JSON.stringify(asked) === JSON.stringify(current)) changed[key] = otherThan(current, property, key, context);
  }
  return changed;
}

/** A valid value for `key` that differs from `current`. */
function otherThan(current: unknown, property: JsonSchema, key: string, context: ArgumentContext): unknown {
  if (typeof current === "boolean") return !current;
  for (let attempt = 0; attempt < 8; attempt++) {
    const value = valueFor(property, key, context, 1);
    if (JSON.stringify(value) !== JSON.stringify(current)) return value;
  }
  return typeof current === "number" ? current + 1 : `${String(current)} (neu)`;
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
