export type OutputBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export type StopReason = "end_turn" | "tool_use" | "max_tokens";

/** What the persona says in one assistant message. */
export interface Answer {
  content: OutputBlock[];
  stop_reason: StopReason;
}
