/** @module An McpServer per stand-in session serving the tool catalog, each call checked for rate limit, token expiry and defects. */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpDefects } from "./defects";
import type { Executions } from "./executions";
import type { RateLimiter } from "./rate-limit";
import { RATE_LIMIT } from "./rate-limit";
import { runTool } from "./read-back";
import type { Records } from "./records";
import { offeredTools } from "./surface";
import { TOOLS } from "./tools/catalog";
import type { ToolDef } from "./tools/tool";
import { seedWebAppData } from "./web-app";

/** What a session froze at initialize (docs/contracts.md §2): later requests cannot change user, space or token. */
export interface SessionIdentity {
  userId: string;
  space: string;
  tokenExpiresAtSec: number;
}

export interface ServerDeps {
  records: Records;
  executions: Executions;
  limiter: RateLimiter;
  defects: McpDefects;
}

export const SERVER_INFO = { name: "mana-mcp", version: "1.0.0" };

/** One McpServer per session, as mana-mcp builds one per transport, serving the tools offered at its initialize. */
export function buildServer(identity: SessionIdentity, deps: ServerDeps): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: { listChanged: true } } });
  seedWebAppData(deps.records, identity.space, new Date());
  for (const tool of offeredTools(TOOLS, deps.defects.state())) {
    server.registerTool(tool.name, { description: tool.description, inputSchema: tool.input }, (args: unknown) =>
      invoke(tool, args as never, identity, deps),
    );
  }
  return server;
}

function invoke(tool: ToolDef, args: Parameters<ToolDef["run"]>[0], identity: SessionIdentity, deps: ServerDeps): CallToolResult {
  const now = new Date();
  if (deps.limiter.exceeded(identity.userId, tool.name, now.getTime())) {
    return failure(
      `Tool ${tool.name} not allowed: rate-limit-exceeded: more than ${RATE_LIMIT.calls} calls of ${tool.name} in ${RATE_LIMIT.windowMs / 1000}s`,
    );
  }
  // Every real tool fetches the user's vault key with the session's frozen JWT; an expired one fails here.
  if (now.getTime() / 1000 >= identity.tokenExpiresAtSec) {
    return failure(`Tool ${tool.name} failed: mana-auth /encryption-vault/key failed: HTTP 401 — {"error":"Unauthorized"}`);
  }
  // A defect fails the call before the tool touches anything, so it is not an execution.
  const broken = deps.defects.failure(tool.name, identity.userId, now);
  if (broken !== undefined) return failure(`Tool ${tool.name} failed: ${broken}`);
  deps.executions.record({ tool: tool.name, userId: identity.userId, space: identity.space, args, at: now.toISOString() });
  const records = deps.records.pulledAs(deps.defects.pullView);
  try {
    const value = runTool(tool, args, { records, space: identity.space, userId: identity.userId, now }, deps.defects.readBackDiffers);
    return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
  } catch (error) {
    // Whatever went wrong, mana-mcp answers a normal result in its one wording, never a protocol error.
    return failure(`Tool ${tool.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function failure(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}
