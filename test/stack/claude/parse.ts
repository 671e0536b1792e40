/** @module A Messages API request body parsed by the stand-in, the first problem reported in the real API's pydantic-style wording. */
import type { z } from "zod";
import { invalidRequest } from "./errors";
import { messagesRequest, type MessagesRequest } from "./wire";

type Issue = z.core.$ZodIssue;

/** A request body read as JSON once, for the statistics and the validation both; undefined when it is not JSON. */
export type BodyJson = { json: unknown } | undefined;

export function bodyJson(text: string): BodyJson {
  try {
    return { json: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Validates the body and reports the first problem in the real API's (pydantic-style) wording. */
export function parseMessagesRequest(body: BodyJson): MessagesRequest {
  if (!body) throw invalidRequest("There was an error parsing the body as JSON.");
  const parsed = messagesRequest.safeParse(body.json, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw invalidRequest(describe(firstIssue(parsed.error.issues)));
}

/** Missing and misspelled top-level fields first, as those are what a caller most likely got wrong. */
function firstIssue(issues: Issue[]): Issue {
  const rank = (issue: Issue) => (issue.path.length <= 1 ? 0 : 1);
  return [...issues].sort((a, b) => rank(a) - rank(b))[0]!;
}

function describe(issue: Issue): string {
  if (issue.code === "invalid_union" && issue.discriminator === undefined) {
    const inner = deepestBranchIssue(issue);
    if (inner) return describe({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
  }
  if (issue.code === "unrecognized_keys") {
    return `${location([...issue.path, issue.keys[0] ?? ""])}: Extra inputs are not permitted`;
  }
  // A wrong block type is reported at the block, not at its `type` field.
  const path = issue.code === "invalid_union" && issue.discriminator ? issue.path.slice(0, -1) : issue.path;
  return `${location(path)}: ${explain(issue)}`;
}

/** For `string | list` fields, the branch that got furthest is the one the caller meant. */
function deepestBranchIssue(issue: z.core.$ZodIssueInvalidUnion): Issue | undefined {
  const firsts = issue.errors.map((branch) => branch[0]).filter((first) => first !== undefined);
  const deepest = firsts.sort((a, b) => b.path.length - a.path.length)[0];
  return deepest !== undefined && deepest.path.length > 0 ? deepest : undefined;
}

function explain(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "Field required" : `Input should be a valid ${typeName(issue.expected)}`;
    case "invalid_value":
      return `Input should be ${issue.values.map((value) => `'${String(value)}'`).join(" or ")}`;
    case "too_small":
      return tooSmall(issue);
    case "too_big":
      return isNumeric(issue.origin) ? `Input should be less than or equal to ${issue.maximum}` : issue.message;
    case "invalid_union":
      return issue.discriminator === undefined ? "Input should be a valid list" : unknownTag(issue);
    default:
      return issue.message;
  }
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const count = Array.isArray(issue.input) ? issue.input.length : 0;
  if (isNumeric(issue.origin)) return `Input should be greater than or equal to ${issue.minimum}`;
  switch (issue.origin) {
    case "string":
      return `String should have at least ${issue.minimum} character`;
    case "array":
      return `List should have at least ${issue.minimum} item after validation, not ${count}`;
    default:
      return issue.message;
  }
}

function isNumeric(origin: string): boolean {
  return origin === "number" || origin === "int";
}

function unknownTag(issue: z.core.$ZodIssueInvalidUnion): string {
  const input = issue.input as Record<string, unknown> | undefined;
  const tags = "options" in issue ? (issue.options ?? []).map((tag) => `'${String(tag)}'`).join(", ") : "";
  return `Input tag '${String(input?.type)}' found using 'type' does not match any of the expected tags: ${tags}`;
}

const TYPE_NAMES: Record<string, string> = { object: "dictionary", array: "list", int: "integer", record: "dictionary" };

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** The real API names the fields of custom tools `tools.N.custom.*`. */
function location(path: readonly PropertyKey[]): string {
  const parts = path.map(String);
  if (parts[0] === "tools" && parts.length > 2) parts.splice(2, 0, "custom");
  return parts.join(".");
}
