/**
 * @module
 * The two-way table between mana-mcp's dotted tool names and the names the Messages API accepts.
 */

/** Claude's tool-name rule (docs/contracts.md §3); mana-mcp's dotted names break it. */
const API_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface NameMap {
  toApi(mcpName: string): string | undefined;
  toMcp(apiName: string): string | undefined;
  /** The module of a tool, taken from the MCP name (`todo.create` → `todo`). */
  moduleOf(apiName: string): string | undefined;
}

/**
 * An explicit two-way table instead of a reversible transform: `a.b_c` and `a_b.c` would both become
 * `a_b_c`, so collisions get a numeric suffix and the table, not the string, is the truth.
 */
export function buildNameMap(mcpNames: readonly string[]): NameMap {
  const taken = new Set<string>();
  const pairs: [string, string][] = [];
  for (const mcpName of mcpNames) {
    const base = mcpName.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "tool";
    let apiName = base;
    for (let n = 2; taken.has(apiName); n++) apiName = `${base.slice(0, 64 - String(n).length - 1)}_${n}`;
    if (!API_NAME.test(apiName)) throw new Error(`cannot map tool name ${JSON.stringify(mcpName)}`);
    taken.add(apiName);
    pairs.push([apiName, mcpName]);
  }
  return nameMapOf(pairs);
}

/** The table as a run stored it, so a resumed run maps names exactly as it began. */
export function nameMapOf(pairs: readonly (readonly [api: string, mcp: string])[]): NameMap {
  const toApi = new Map(pairs.map(([api, mcp]) => [mcp, api]));
  const toMcp = new Map(pairs.map(([api, mcp]) => [api, mcp]));
  return {
    toApi: (mcpName) => toApi.get(mcpName),
    toMcp: (apiName) => toMcp.get(apiName),
    moduleOf: (apiName) => toMcp.get(apiName)?.split(".")[0],
  };
}
