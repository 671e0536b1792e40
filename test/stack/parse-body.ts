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
  return { ok: false, message: `${issue?.path.join(".") || "body"}: ${issue?.message}` };
}
