/** @module The stand-in stack worker: one port routed to mana-auth, mana-mcp, Claude and the webhook receiver, and a reset of all four. */
import { SINGLETON } from "./singleton";

export { AuthStore } from "./auth/store";
export { McpHost } from "./mcp/host";
export { ClaudeHost } from "./claude/host";
export { WebhookReceiver } from "./webhook/receiver";

/**
 * One port for the three services and the webhook receiver, as their paths do not collide: /mcp is mana-mcp,
 * /v1/messages is the Claude API, /__stack/webhook receives the runner's alerts, everything else is mana-auth.
 * The rest of /__stack/* is the stand-in's own control surface.
 */
export async function stackFetch(request: Request, env: StackEnv): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === "/__stack/reset" && request.method === "POST") return reset(env);
  if (pathname === "/mcp" || pathname.startsWith("/__stack/mcp/")) return stub(env.MCP).fetch(request);
  if (pathname === "/v1/messages" || pathname.startsWith("/__stack/claude/")) {
    return stub(env.CLAUDE).fetch(request);
  }
  if (pathname === "/__stack/webhook" || pathname.startsWith("/__stack/webhook/")) {
    return stub(env.WEBHOOK).fetch(request);
  }
  return stub(env.AUTH).fetch(request);
}

function stub(ns: DurableObjectNamespace): DurableObjectStub {
  return ns.get(ns.idFromName(SINGLETON));
}

async function reset(env: StackEnv): Promise<Response> {
  const control = "http://stack/__stack/";
  await Promise.all([
    stub(env.AUTH).fetch(`${control}auth/reset`, { method: "POST" }),
    stub(env.MCP).fetch(`${control}mcp/reset`, { method: "POST" }),
    stub(env.CLAUDE).fetch(`${control}claude/reset`, { method: "POST" }),
    stub(env.WEBHOOK).fetch(`${control}webhook/reset`, { method: "POST" }),
  ]);
  return Response.json({ ok: true });
}

export default { fetch: stackFetch } satisfies ExportedHandler<StackEnv>;
