/** @module An MCP POST body read once for the stand-in, as JSON or raw text, and the tool named by its first tools/call. */
/** A POST body read once: parsed JSON for the transport, or the raw text when it is not JSON. */
export type ReadBody = { json: unknown } | { raw: string };

export async function readBody(request: Request): Promise<ReadBody> {
  const raw = await request.text();
  try {
    return { json: JSON.parse(raw) };
  } catch {
    return { raw };
  }
}

/** The tool named by the first tools/call in a message or batch. */
export function calledTool(body: ReadBody): string | undefined {
  if (!("json" in body)) return undefined;
  const messages: unknown[] = Array.isArray(body.json) ? body.json : [body.json];
  for (const message of messages) {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
    if (method === "tools/call" && typeof params?.name === "string") return params.name;
  }
  return undefined;
}
