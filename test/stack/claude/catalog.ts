/** @module Offered tools as the Claude stand-in sees them: module from the API name, read or write by verb, whether an id is needed. */
import type { JsonSchema } from "./schema";
import type { Tool } from "./wire";

export interface OfferedTool {
  name: string;
  module: string;
  kind: "read" | "write";
  schema: JsonSchema;
  required: string[];
  /** Needs the id of an existing record, which the persona only has after seeing one in a tool result. */
  needsId: boolean;
}

const READ_VERBS = /^(list|get|search|find|read|show|today|recent|stats|query|view|count|lookup|fetch|history|summary)/i;

/** The runner offers `module.verb` tools as `module_verb`, so the module is what precedes the first underscore. */
export function moduleOf(toolName: string): string {
  return toolName.split("_", 1)[0] ?? toolName;
}

export function describeTools(tools: readonly Tool[]): OfferedTool[] {
  return tools.map((tool) => {
    const schema = tool.input_schema as JsonSchema;
    const required = schema.required ?? [];
    const verb = tool.name.includes("_") ? tool.name.slice(tool.name.indexOf("_") + 1) : tool.name;
    return {
      name: tool.name,
      module: moduleOf(tool.name),
      kind: READ_VERBS.test(verb) ? "read" : "write",
      schema,
      required,
      needsId: required.includes("id"),
    };
  });
}
