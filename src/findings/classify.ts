/**
 * @module
 * Where a failed tool call's error came from, read from mana-mcp's own wording (docs/contracts.md §2): the model's
 * arguments, an id nobody has, a tool that is not there, mana-mcp's policy, the app itself, a timeout, or the wire.
 * Only the app's own failures say the app is broken; the model's mistakes say how usable a tool is for agents.
 */

export type Origin = "input" | "not-found" | "unknown-tool" | "policy" | "app" | "timeout" | "transport";

/** Origins that are the model's doing: its arguments, its made-up ids, its pace. */
export const MODEL_ORIGINS: ReadonlySet<Origin> = new Set(["input", "not-found", "policy"]);

/** The MCP SDK's answer to arguments its schema refuses, and mana-mcp's own parse of the registry's schema. */
const INPUT_ERROR = /^MCP error -32602: Input validation error|^MCP error -32602: Invalid arguments|^Invalid input for [\w.-]+:/;
const UNKNOWN_TOOL = /^MCP error -32602: Tool [\w.-]+ not found/;
const POLICY_DENIAL = /^Tool [\w.-]+ not allowed: /;
const TOOL_FAILED = /^Tool [\w.-]+ failed: /;
/** A handler saying the entity it was asked about does not exist, in its own words rather than a service's. */
const ENTITY_NOT_FOUND = /\b(not found|does not exist|no such)\b/i;
/** Signs that the failure came from a service behind the tool (mana-sync, mana-auth, storage), not from the id. */
const DOWNSTREAM = /\bfailed:|\bHTTP \d{3}\b|\b[45]\d\d (?:[A-Z][a-z]+ ?)+\b|\bfetch failed\b|\bECONN|\bupstream\b/;
const TIMEOUT = /\btimed? ?out\b|\b-32001\b/i;
/** The runner's own words for calls whose answer never came back whole (src/mcp/session.ts, src/claude/loop.ts). */
const TRANSPORT = /^reply lost|effect unknown|^mana-mcp answered HTTP|^interrupted: /;

export function classify(error: string): Origin {
  const text = error.trim();
  if (INPUT_ERROR.test(text)) return "input";
  if (UNKNOWN_TOOL.test(text)) return "unknown-tool";
  if (POLICY_DENIAL.test(text)) return "policy";
  if (TOOL_FAILED.test(text)) {
    const reason = text.replace(TOOL_FAILED, "");
    if (TIMEOUT.test(reason) && !DOWNSTREAM.test(reason)) return "timeout";
    return ENTITY_NOT_FOUND.test(reason) && !DOWNSTREAM.test(reason) ? "not-found" : "app";
  }
  if (TIMEOUT.test(text)) return "timeout";
  if (TRANSPORT.test(text)) return "transport";
  return "app";
}

/** A run that failed before it started failed on the service's side: 5xx, unreachable, timed out. */
const SERVER_SIDE = /\b5\d\d\b|failed after \d+ attempts|fetch failed|timed? ?out|ECONN|network|unreachable|Service Unavailable|Bad Gateway|Internal Server Error/i;

export function isServerSide(error: string): boolean {
  return SERVER_SIDE.test(error);
}
