/** @module Schema-valid strings for stand-in tool input: by format, by field name in German, fitted to pattern and length; v4 uuids. */
import * as german from "./german";
import type { Rng } from "../hash";
import type { Persona } from "./persona";
import type { JsonSchema } from "./schema";

export interface StringContext {
  persona: Persona;
  rng: Rng;
  module: string;
  now: Date;
}

/** A string for property `key` that satisfies the schema's format, pattern and length. */
export function stringFor(schema: JsonSchema, key: string, context: StringContext): string {
  const value = byFormat(schema.format, context) ?? byName(key, context);
  return fitLength(matchPattern(value, schema.pattern, context), schema);
}

function byFormat(format: string | undefined, { rng, now, persona }: StringContext): string | undefined {
  switch (format) {
    case "date":
      return now.toISOString().slice(0, 10);
    case "time":
      return clock(rng);
    case "date-time":
      // A whole hour some days ahead: the same day always gives the same value.
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + rng.int(1, 7), rng.int(8, 18))).toISOString();
    case "uuid":
      return uuid(rng);
    case "email":
      return `${persona.name.toLowerCase()}@example.com`;
    case "uri":
    case "url":
      return "https://example.com/";
    default:
      return undefined;
  }
}

/** Field names carry the meaning zod schemas leave out. */
function byName(key: string, { persona, rng, module, now }: StringContext): string {
  const name = key.toLowerCase();
  if (/title|name|subject|label/.test(name)) return german.title(persona, rng, module);
  if (/content|description|notes?$|text|body|comment|claim|prompt|caption|dialogue|meaning|outcome|context/.test(name)) return german.sentence(persona, rng);
  if (/query|search|^q$|term/.test(name)) return german.searchWord(persona, rng);
  if (/tag/.test(name)) return german.tag(rng);
  if (/whom|with|person|contact/.test(name)) return german.person(rng);
  if (/icon/.test(name)) return german.icon(rng);
  if (/colou?r/.test(name)) return german.color(rng);
  if (/date$/.test(name)) return now.toISOString().slice(0, 10);
  if (/time$/.test(name)) return clock(rng);
  return german.searchWord(persona, rng);
}

/** Tries the usual shapes behind a pattern (hex colour, date, time, uuid, word) when the value misses it. */
function matchPattern(value: string, pattern: string | undefined, context: StringContext): string {
  const regex = compile(pattern);
  if (!regex || regex.test(value)) return value;
  const { rng, now } = context;
  const shapes = [german.color(rng), now.toISOString().slice(0, 10), clock(rng), uuid(rng), now.toISOString(), "abc", "1"];
  return shapes.find((shape) => regex.test(shape)) ?? value;
}

function compile(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
}

function fitLength(value: string, { minLength = 0, maxLength }: JsonSchema): string {
  let fitted = value;
  while (fitted.length < minLength) fitted += ` ${value}`;
  return maxLength === undefined ? fitted : fitted.slice(0, maxLength);
}

function clock(rng: Rng): string {
  return `${String(rng.int(7, 22)).padStart(2, "0")}:${String(rng.pick([0, 15, 30, 45])).padStart(2, "0")}`;
}

/** Version-4 shaped, so strict uuid validators accept it. */
export function uuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16));
  hex[12] = "4";
  hex[16] = "89ab"[rng.int(0, 3)]!;
  const text = hex.join("");
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}
