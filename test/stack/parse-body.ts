import type { z } from "zod";

/** A request body parsed with a schema; invalid JSON and schema failures both come back as a message. */
export async function parseBody<T>(
  request: Request,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
  let json: unknown;
  try {
    json = JSON.parse(await request.text());
  } catch {
    return { ok: false, message: "Invalid JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `${issue?.path.join(".") || "body"}: ${issue?.message}` };
}

/** Answers with `answer(value)` for a valid body, else a 400 naming what was wrong: the control routes' shape. */
export async function answerWithBody<T>(request: Request, schema: z.ZodType<T>, answer: (value: T) => Response): Promise<Response> {
  const body = await parseBody(request, schema);
  return body.ok ? answer(body.value) : Response.json({ error: body.message }, { status: 400 });
}
