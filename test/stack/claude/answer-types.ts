/** @module The shape of a stand-in assistant answer: text and tool_use output blocks and the stop reasons the stand-in produces. */
export type OutputBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export type StopReason = "end_turn" | "tool_use" | "max_tokens";

/** What the persona says in one assistant message. */
export interface Answer {
  content: OutputBlock[];
  stop_reason: StopReason;
}
