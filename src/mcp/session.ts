/**
 * @module
 * A mana-mcp session over the MCP SDK's Streamable HTTP client: setup with retries, tool calls that are never
 * resent once they may have run, and the session ended at the end of a run.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import type { FetchFn } from "../net/http";
import { backoffMs, sleep } from "../net/http";
import { formatBytes } from "../caps";

export interface McpTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/**
 * What a tools/call came to. `unknown` means the request may have reached the server and its reply was
 * lost: the write may have landed, so it is reported, never retried (docs/contracts.md §2).
 */
export type ToolOutcome =
  | { kind: "result"; text: string; isError: boolean }
  | { kind: "refused"; error: string }
  | { kind: "unknown"; error: string };

export interface McpSession {
  readonly tools: McpTool[];
  call(name: string, args: Record<string, unknown>): Promise<ToolOutcome>;
  close(): Promise<void>;
}

export interface McpConnector {
  open(accessToken: string, spaceId: string): Promise<McpSession>;
}

export interface McpOptions {
  callTimeoutMs: number;
  setupTimeoutMs?: number;
  setupAttempts?: number;
}

const CLIENT_INFO = { name: "mana-persona-runner", version: "0.1.0" };

interface Connection {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

/**
 * Statuses that mana-mcp answers before a tool runs (envelope, session, auth). Anything else on a tools/call,
 * a 5xx from a gateway included, may have come after the write landed: its effect is unknown (docs/contracts.md §2).
 */
const REFUSED_BEFORE_RUNNING = new Set([400, 401, 403, 404, 406, 415]);

export function createMcpConnector(baseUrl: string, fetchFn: FetchFn, options: McpOptions): McpConnector {
  const endpoint = new URL("/mcp", baseUrl);
  const setup = { timeout: options.setupTimeoutMs ?? 15_000 };

  async function connect(accessToken: string, spaceId: string): Promise<Connection> {
    const headers = { authorization: `Bearer ${accessToken}`, "x-mana-space": spaceId };
    const transport = new StreamableHTTPClientTransport(endpoint, { fetch: repliesAsJson(withoutStandaloneStream(fetchFn)), requestInit: { headers } });
    const client = new Client(CLIENT_INFO, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    try {
      await client.connect(transport, setup);
    } catch (error) {
      // initialize may have opened a session before the handshake failed; the SDK has dropped the transport,
      // so the session is ended by hand.
      const sessionId = transport.sessionId;
      if (sessionId) await fetchFn(endpoint, { method: "DELETE", headers: { ...headers, "mcp-session-id": sessionId } }).catch(() => undefined);
      throw error;
    }
    return { client, transport };
  }

  /** initialize and tools/list are safe to repeat, so they get retries; a 401/403 will not change. */
  async function connectWithRetry(accessToken: string, spaceId: string) {
    const attempts = options.setupAttempts ?? 3;
    for (let attempt = 0; ; attempt++) {
      let connection: Connection | undefined;
      try {
        connection = await connect(accessToken, spaceId);
        return { ...connection, tools: await listAllTools(connection.client) };
      } catch (error) {
        // Sessions have no TTL on mana-mcp: one opened by a failed attempt must be ended, not abandoned.
        if (connection) await end(connection);
        const status = error instanceof StreamableHTTPError ? error.code : undefined;
        if (attempt + 1 >= attempts || status === 401 || status === 403) {
          throw new Error(`mcp session: ${status ? `HTTP ${status}: ` : ""}${describe(error)}`);
        }
        await sleep(backoffMs(attempt, { baseDelayMs: 300, maxDelayMs: 3_000 }));
      }
    }
  }

  async function end(connection: Connection): Promise<void> {
    await connection.transport.terminateSession().catch(() => undefined);
    await connection.client.close().catch(() => undefined);
  }

  async function open(accessToken: string, spaceId: string): Promise<McpSession> {
    let connection = await connectWithRetry(accessToken, spaceId);

    async function callOnce(name: string, args: Record<string, unknown>): Promise<ToolOutcome> {
      const result = await connection.client.callTool({ name, arguments: args }, undefined, { timeout: options.callTimeoutMs });
      return { kind: "result", text: textOf(result.content), isError: result.isError === true };
    }

    return {
      get tools() {
        return connection.tools;
      },
      async call(name, args) {
        try {
          return await callOnce(name, args);
        } catch (error) {
          if (!(error instanceof StreamableHTTPError)) return { kind: "unknown", error: `reply lost, effect unknown: ${describe(error)}` };
          if (!REFUSED_BEFORE_RUNNING.has(error.code ?? 0)) {
            return { kind: "unknown", error: `mana-mcp answered HTTP ${error.code}, effect unknown: ${describe(error)}` };
          }
          if (error.code !== 404) return { kind: "refused", error: `mana-mcp answered HTTP ${error.code}: ${describe(error)}` };
        }
        // 404 Session not found: the server never ran the call, so one fresh session and one resend are safe.
        await connection.client.close().catch(() => undefined);
        connection = await connectWithRetry(accessToken, spaceId);
        try {
          return await callOnce(name, args);
        } catch (error) {
          return { kind: "unknown", error: `reply lost after session renewal, effect unknown: ${describe(error)}` };
        }
      },
      close: () => end(connection),
    };
  }

  return { open };
}

async function listAllTools(client: Client): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...page.tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })));
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

/**
 * The SDK opens a standalone GET /mcp stream after initialize; mana-mcp never answers it and on Workers it
 * would hold one of six connections. A local 405 is the spec's way of saying "no stream here".
 */
function withoutStandaloneStream(fetchFn: FetchFn): FetchFn {
  return (input, init) => {
    if ((init?.method ?? "GET").toUpperCase() === "GET") return Promise.resolve(new Response(null, { status: 405 }));
    return fetchFn(input, init);
  };
}

/**
 * mana-mcp answers every POST with a short SSE stream that carries the reply and then ends (docs/contracts.md §2).
 * Read whole and handed to the SDK as the JSON-array reply the transport also accepts, it costs one string split
 * instead of two stream transforms per call. A stream cut before its end fails the read, so the call is reported
 * as a lost reply, as the SDK's own reader would.
 */
export function repliesAsJson(fetchFn: FetchFn): FetchFn {
  return async (input, init) => {
    const response = await fetchFn(input, init);
    if (!response.ok || !response.headers.get("content-type")?.startsWith(SSE_TYPE)) return response;
    const headers = new Headers(response.headers);
    headers.set("content-type", "application/json");
    const body = `[${sseMessages(await response.text()).join(",")}]`;
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}

const SSE_TYPE = "text/event-stream";

/** The data of each `message` event of an SSE stream (the spec's parsing, without the ids and retries mana-mcp never sends). */
export function sseMessages(stream: string): string[] {
  const messages: string[] = [];
  for (const block of stream.replace(/\r\n?/g, "\n").split("\n\n")) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(line[colon + 1] === " " ? colon + 2 : colon + 1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if ((event === "message" || event === "") && data.length > 0) messages.push(data.join("\n"));
  }
  return messages;
}

interface ResultBlock {
  type?: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  resource?: { uri?: string; text?: string };
}

/**
 * A tool result as text. Images and audio are named with their size, never inlined: base64 of a few megabytes
 * would reach the model and storage as text.
 */
export function textOf(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content.map((block: ResultBlock) => blockText(block)).join("\n");
}

function blockText(block: ResultBlock): string {
  switch (block.type) {
    case "text":
      return block.text ?? "";
    case "image":
    case "audio":
      return `[${block.type} ${block.mimeType ?? "of unknown type"}, ${formatBytes(Math.floor(((block.data ?? "").length * 3) / 4))}: not forwarded]`;
    case "resource":
      return block.resource?.text ?? `[resource ${block.resource?.uri ?? ""}]`;
    case "resource_link":
      return `[resource ${block.uri ?? ""}]`;
    default:
      return JSON.stringify(block);
  }
}

/** Error text for logs and tool results; the SDK's validation errors can run to kilobytes. */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
