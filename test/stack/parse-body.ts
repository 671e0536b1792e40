/** @module Schema parsing of stand-in bodies and queries into one message naming the failing path, and the control routes' 400. */
import type { z } from "zod";

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A request body parsed with a schema; invalid JSON and schema failures both come back as a message. */
export async function parseBody<T>(request: Request, schema: z.ZodType<T>): Promise<Parsed<T>> {
  let json: unknown;
  try {
    json = JSON.parse(await request.text());
  } catch {
    return { ok: false, message: "Invalid JSON" };
  }
  return validate(json, schema);
}

/** Query parameters parsed with a schema, for the control routes that take their input in the URL. */
export function parseQuery<T>(url: URL, schema: z.ZodType<T>): Parsed<T> {
  return validate(Object.fromEntries(url.searchParams), schema);
}

/** Answers with `answer(value)` for a valid body, else a 400 naming what was wrong: the control routes' shape. */
export async function answerWithBody<T>(request: Request, schema: z.ZodType<T>, answer: (value: T) => Response): Promise<Response> {
  const body = await parseBody(request, schema);
  return body.ok ? answer(body.value) : Response.json({ error: body.message }, { status: 400 });
}

function validate<T>(input: unknown, schema: z.ZodType<T>): Parsed<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const named = issue && issue.code === "invalid_union" ? (furthestBranch(issue) ?? issue) : issue;
  return { ok: false, message: `${named?.path.join(".") || "body"}: ${named?.message}` };
}

/**
 * For a value that fits none of a union's shapes, the issue of the shape it got furthest into, with its full
 * path: `{"tools": ["todo.lsit"]}` is reported at `…tools.0`, not as the union's "Invalid input".
 */
function furthestBranch(issue: z.core.$ZodIssueInvalidUnion): { path: PropertyKey[]; message: string } | undefined {
  const furthest = issue.errors
    .flatMap((branch) => (branch[0] && branch[0].path.length > 0 ? [branch[0]] : []))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return furthest && { path: [...issue.path, ...furthest.path], message: furthest.message };
}
