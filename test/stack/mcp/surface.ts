/** @module The tools a new session is offered under the tool-surface defects: removed tools left out, one tool's input schema changed. */
import { z } from "zod";
import type { DefectState } from "./defects";
import type { ToolDef } from "./tools/tool";

/** The property the schemaChange defect adds to a tool's input: required, so calls made to the old schema fail. */
export const ADDED_PROPERTY = "origin";

const addedProperty = z
  .string()
  .min(1)
  .max(200)
  .describe("Where the request comes from: the app screen or the assistant that asked for it.");

/**
 * What a session initialized now is offered: without the removed tools (calling one then answers the SDK's
 * unknown-tool error), and the schema-changed tool with its new required property, which its handler accepts.
 * Sessions opened before keep what they were offered, as each session's server is built once.
 */
export function offeredTools(tools: readonly ToolDef[], state: Pick<DefectState, "removedTools" | "schemaChange">): ToolDef[] {
  return tools
    .filter((tool) => !state.removedTools?.tools.includes(tool.name))
    .map((tool) => (tool.name === state.schemaChange?.tool ? withAddedProperty(tool) : tool));
}

function withAddedProperty(tool: ToolDef): ToolDef {
  return {
    ...tool,
    input: { ...tool.input, [ADDED_PROPERTY]: addedProperty },
    run: ({ [ADDED_PROPERTY]: _origin, ...args }, context) => tool.run(args, context),
  };
}
