/**
 * @module
 * The tool list offered to the model, built from mana-mcp's tools/list: the tool policy applied, duplicates and
 * tools the Messages API would refuse left out (with why), names mapped, sorted so the cached prefix is stable.
 */
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { truncate } from "../caps";
import type { LeftOutTool } from "../claude/conversation";
import { buildNameMap } from "./names";
import { isToolAllowed, type ToolPolicy } from "./policy";
import type { McpTool } from "./session";

const DESCRIPTION_MAX_CHARS = 4_000;
const SCHEMA_MAX_CHARS = 32_000;
/** More tools than this are left out (alphabetically last first): the list is part of every request and step. */
export const TOOLS_MAX = 128;

export interface OfferedTools {
  tools: Tool[];
  names: [api: string, mcp: string][];
  leftOut: LeftOutTool[];
}

/** One bad tool must not fail every run: it is left out and reported, and the others are offered. */
export function offerTools(listed: readonly McpTool[], policy: ToolPolicy): OfferedTools {
  const leftOut: LeftOutTool[] = [];
  const kept = new Map<string, McpTool>();
  for (const tool of listed) {
    const problem = kept.has(tool.name) ? "listed twice by tools/list; the first one is offered" : schemaProblem(tool);
    if (problem) leftOut.push({ name: tool.name, reason: problem });
    else if (isToolAllowed(tool.name, policy)) kept.set(tool.name, tool);
  }
  const all = [...kept.values()].sort((a, b) => a.name.localeCompare(b.name));
  const sorted = all.slice(0, TOOLS_MAX);
  for (const tool of all.slice(TOOLS_MAX)) leftOut.push({ name: tool.name, reason: `more than ${TOOLS_MAX} tools are listed` });
  const map = buildNameMap(sorted.map((tool) => tool.name));
  const tools: Tool[] = sorted.map((tool) => ({
    name: map.toApi(tool.name) as string,
    description: truncate(tool.description ?? tool.name, DESCRIPTION_MAX_CHARS),
    input_schema: { ...tool.inputSchema, type: "object" },
  }));
  return { tools, names: sorted.map((tool) => [map.toApi(tool.name) as string, tool.name]), leftOut };
}

/** What the Messages API would refuse in a tool definition, which would fail the whole request. */
function schemaProblem(tool: McpTool): string | undefined {
  if (tool.name.trim() === "") return "has an empty name";
  const schema: unknown = tool.inputSchema;
  if (!isPlainObject(schema)) return "input schema is not a JSON object";
  if (schema.type !== undefined && schema.type !== "object") return `input schema has type ${JSON.stringify(schema.type)}, not "object"`;
  if (schema.properties !== undefined && !isPlainObject(schema.properties)) return "input schema's properties is not an object";
  const required = schema.required;
  if (required !== undefined && !(Array.isArray(required) && required.every((name) => typeof name === "string"))) {
    return "input schema's required is not a list of property names";
  }
  const size = JSON.stringify(schema).length;
  return size > SCHEMA_MAX_CHARS ? `input schema of ${size} characters is larger than ${SCHEMA_MAX_CHARS}` : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
