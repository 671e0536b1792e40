/** @module The JSON Schema subset the stand-in's argument generation reads, with unions and nullables reduced to one concrete type. */
/** The subset of JSON Schema (as zod's toJSONSchema emits it) that argument generation understands. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  default?: unknown;
}

/** A nullable or union schema stands for its first non-null alternative: a persona fills fields in. */
export function concrete(schema: JsonSchema): JsonSchema {
  const options = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (!options) return schema;
  const chosen = options.find((option) => typeOf(option) !== "null") ?? options[0] ?? {};
  return concrete(chosen);
}

export function typeOf(schema: JsonSchema): string | undefined {
  const { type } = schema;
  if (Array.isArray(type)) return type.find((name) => name !== "null") ?? type[0];
  if (type !== undefined) return type;
  if (schema.properties) return "object";
  if (schema.items) return "array";
  return undefined;
}
