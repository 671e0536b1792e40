/**
 * @module
 * The outside world of one invocation: mana-auth, mana-mcp, Claude and the runner's own read-side objects, by
 * service binding when bound and by URL otherwise, every subrequest counted.
 */
import { createModel, type ModelPort } from "../claude/model";
import { type Config, ConfigError } from "../config";
import { directory } from "../directory/directory";
import { findings } from "../findings/findings";
import { createManaAuth, type ManaAuth } from "../mana/auth";
import { createMcpConnector, type McpConnector } from "../mcp/session";
import { type FetchFn, fetcherFor } from "../net/http";
import type { DeliveryPorts } from "./outbox";

export interface Ports {
  auth: ManaAuth;
  mcp: McpConnector;
  model: ModelPort;
  delivery: DeliveryPorts;
  /** Subrequests made through these ports so far in this invocation. */
  subrequests(): number;
}

export function buildPorts(env: Env, config: Config): Ports {
  let count = 0;
  const counted = (fetchFn: FetchFn): FetchFn => (input, init) => {
    count++;
    return fetchFn(input, init);
  };
  const auth = createManaAuth(config.MANA_AUTH_URL, required(config.MANA_SERVICE_KEY, "MANA_SERVICE_KEY"), counted(fetcherFor(env, "MANA_AUTH")));
  return {
    auth,
    mcp: createMcpConnector(config.MANA_MCP_URL, counted(fetcherFor(env, "MANA_MCP")), { callTimeoutMs: config.MCP_CALL_TIMEOUT_MS }),
    model: createModel({
      apiKey: required(config.ANTHROPIC_API_KEY, "ANTHROPIC_API_KEY"),
      baseURL: config.ANTHROPIC_BASE_URL,
      fetch: counted(fetcherFor(env, "ANTHROPIC")),
      timeoutMs: config.CLAUDE_TIMEOUT_MS,
    }),
    delivery: {
      auth,
      ingestEvidence: async (evidence) => {
        count++;
        await findings(env.FINDINGS).ingest(evidence);
      },
      upsertSummary: async (summary) => {
        count++;
        await directory(env.DIRECTORY).upsert([summary]);
      },
    },
    subrequests: () => count,
  };
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}
