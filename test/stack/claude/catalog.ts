/** @module Offered tools as the Claude stand-in sees them: module and verb from the API name, read or write by verb, the input properties. */
import type { JsonSchema } from "./schema";
import type { Tool } from "./wire";

export interface OfferedTool {
  name: string;
  module: string;
  verb: string;
  kind: "read" | "write";
  schema: JsonSchema;
  properties: string[];
  required: string[];
}

/** How a model tells a look from a change without a policy hint: by the verb. */
export const READ_VERBS = /^(list|get|search|find|read|show|today|recent|stats|query|view|count|lookup|fetch|history|summary|consult|year)/i;

/** The runner offers `module.verb` tools as `module_verb`, so the module is what precedes the first underscore. */
export function moduleOf(toolName: string): string {
  return toolName.split("_", 1)[0] ?? toolName;
}

export function describeTools(tools: readonly Tool[]): OfferedTool[] {
  return tools.map((tool) => {
    const schema = tool.input_schema as JsonSchema;
    const verb = tool.name.includes("_") ? tool.name.slice(tool.name.indexOf("_") + 1) : tool.name;
    return {
      name: tool.name,
      module: moduleOf(tool.name),
      verb,
      kind: READ_VERBS.test(verb) ? "read" : "write",
      schema,
      properties: Object.keys(schema.properties ?? {}),
      required: schema.required ?? [],
    };
  });
}
