/**
 * @module
 * A run's tool calls and modules as mana-auth receives them.
 */
import type { ActionRecord } from "../claude/conversation";
import type { ActionRow } from "../mana/schemas";

/**
 * The run's tool calls as one deterministic batch. mana-auth keys rows by `<tickId>-<index>-<toolName>`, so the
 * batch must be posted whole and identical on every resend (docs/contracts.md §1.1); the order is the model's.
 */
export function actionRows(tickId: string, actions: readonly ActionRecord[]): ActionRow[] {
  return actions.map((action) => ({
    tickId,
    toolName: action.toolName,
    result: action.result,
    inputHash: action.inputHash,
    latencyMs: Math.round(action.latencyMs),
    ...(action.errorMessage !== undefined ? { errorMessage: action.errorMessage } : {}),
  }));
}

/** Modules the persona really used, in first-use order; only calls that reached a known tool count. */
export function modulesUsed(actions: readonly ActionRecord[]): string[] {
  return [...new Set(actions.flatMap((action) => (action.module ? [action.module] : [])))];
}
