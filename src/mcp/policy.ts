/** @module Which MCP tools may be offered to the model: allow and deny globs over dotted tool names, deny winning. */
/** Allow/deny by glob (`*` matches anything, including dots); deny wins. */
export interface ToolPolicy {
  allow: readonly string[];
  deny: readonly string[];
}

export function isToolAllowed(name: string, policy: ToolPolicy): boolean {
  const matches = (pattern: string) => globToRegExp(pattern).test(name);
  return policy.allow.some(matches) && !policy.deny.some(matches);
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}
