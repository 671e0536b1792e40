/** @module Tests' way into the mana-mcp stand-in: a persona's login, an MCP SDK client on its space, a tool call's JSON or text. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { env } from "cloudflare:test";
import { derivePersonaPassword } from "../../src/mana/password";

export type Json = Record<string, any>;

const vars = env as TestEnv;
const MCP = "http://stack.test/mcp";

export const call = (url: string, init: RequestInit = {}) => vars.STACK.fetch(url, init);

export async function login(email: string): Promise<{ token: string; userId: string }> {
  const password = await derivePersonaPassword(email, vars.PERSONA_SEED_SECRET);
  const response = await call("http://stack.test/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as Json;
  return { token: body.accessToken, userId: body.user.id };
}

/** An SDK client in `space`; the standalone GET stream is answered 405 here, as the runner does. */
export async function sdkClient(token: string, space = "space-anna"): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP), {
    fetch: (input, init) => {
      if ((init?.method ?? "GET") === "GET") return Promise.resolve(new Response(null, { status: 405 }));
      return call(String(input), init);
    },
    requestInit: { headers: { authorization: `Bearer ${token}`, "x-mana-space": space } },
  });
  const client = new Client({ name: "test", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return { client, transport };
}

export const textOf = (result: Json) => (result.content as Json[]).map((block) => block.text).join("\n");

/** A client's tool calls: the raw result, or its text parsed as JSON (throwing on an error result). */
export function caller(client: Client) {
  const run = async (name: string, args: Json = {}) => (await client.callTool({ name, arguments: args })) as Json;
  const json = async (name: string, args: Json = {}) => {
    const result = await run(name, args);
    if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
    return JSON.parse(textOf(result)) as Json;
  };
  return { run, json };
}
