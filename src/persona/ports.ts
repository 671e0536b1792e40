import { createModel, type ModelPort } from "../claude/model";
import { type Config, ConfigError } from "../config";
import type { Env } from "../env";
import { createManaAuth, type ManaAuth } from "../mana/auth";
import { createMcpConnector, type McpConnector } from "../mcp/session";
import { type FetchFn, fetcherFor } from "../net/http";

export interface Ports {
  auth: ManaAuth;
  mcp: McpConnector;
  model: ModelPort;
  /** Subrequests made through these ports so far in this invocation. */
  subrequests(): number;
}

/** The outside world of one invocation: service bindings when bound, URLs otherwise, every fetch counted. */
export function buildPorts(env: Env, config: Config): Ports {
  let count = 0;
  const counted = (fetchFn: FetchFn): FetchFn => (input, init) => {
    count++;
    return fetchFn(input, init);
  };
  return {
    auth: createManaAuth(config.MANA_AUTH_URL, required(config.MANA_SERVICE_KEY, "MANA_SERVICE_KEY"), counted(fetcherFor(env.MANA_AUTH))),
    mcp: createMcpConnector(config.MANA_MCP_URL, counted(fetcherFor(env.MANA_MCP)), { callTimeoutMs: config.MCP_CALL_TIMEOUT_MS }),
    model: createModel({
      apiKey: required(config.ANTHROPIC_API_KEY, "ANTHROPIC_API_KEY"),
      baseURL: config.ANTHROPIC_BASE_URL,
      fetch: counted(fetcherFor(env.ANTHROPIC)),
      timeoutMs: config.CLAUDE_TIMEOUT_MS,
    }),
    subrequests: () => count,
  };
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}
