/** @module The stand-in's assistant message for a turn: tool, rating or chat play, with content faults, defects and max_tokens cuts. */
import type { Answer, OutputBlock } from "./answer-types";
import type { ClaudeDefects } from "./defects";
import type { Fault } from "./faults";
import * as german from "./german";
import { Rng, token } from "../hash";
import { invalidCall, planCalls, toolTurn } from "./play";
import { ratingTurn } from "./rating";
import { estimateTokens } from "./tokens";
import type { Turn } from "./turn";

export interface Composed {
  answer: Answer;
  outputTokens: number;
}

/** The assistant message for a turn, with the content faults and defect modes applied and max_tokens respected. */
export function compose(turn: Turn, fault: Fault | undefined, defects: ClaudeDefects): Composed {
  const answer = play(turn, fault, defects);
  const outputTokens = answer.content.reduce((sum, block) => sum + estimateTokens(block), 0);
  const limit = turn.request.max_tokens;
  const cut = fault?.fault === "max-tokens" || outputTokens > limit;
  return cut ? { answer: cutOff(turn, answer), outputTokens: limit } : { answer, outputTokens };
}

function play(turn: Turn, fault: Fault | undefined, defects: ClaudeDefects): Answer {
  switch (turn.kind) {
    case "tools": {
      const invalid = fault?.fault === "invalid-arg" ? invalidCall(turn) : undefined;
      return invalid ? { content: [invalid], stop_reason: "tool_use" } : toolTurn(turn, defects.mistakes());
    }
    case "rating":
      return ratingTurn(turn.persona, turn.ratingModules, fault?.fault === "malformed-rating", (module) =>
        defects.forcedRating(module, turn.now),
      );
    case "text": {
      const text = german.chat(turn.persona, new Rng(turn.fingerprint));
      return { content: [{ type: "text", text }], stop_reason: "end_turn" };
    }
  }
}

/**
 * What running out of output tokens looks like: the text stops mid-sentence and, in a turn with tools, a
 * tool_use block is left without its input. A runner must not execute that call.
 */
function cutOff(turn: Turn, answer: Answer): Answer {
  const said = answer.content.find((block) => block.type === "text")?.text ?? "Okay, als Nächstes trage ich noch schnell ein";
  const content: OutputBlock[] = [{ type: "text", text: said.slice(0, Math.max(12, Math.floor(said.length * 0.6))) }];
  const name = cutToolName(turn, answer);
  if (name !== undefined) {
    content.push({ type: "tool_use", id: `toolu_${token(`${turn.fingerprint}:cut`, 24)}`, name, input: {} });
  }
  return { content, stop_reason: "max_tokens" };
}

function cutToolName(turn: Turn, answer: Answer): string | undefined {
  if (turn.kind !== "tools") return undefined;
  const planned = answer.content.find((block) => block.type === "tool_use") ?? planCalls(turn, 1)[0];
  return planned?.name ?? turn.tools[0]?.name;
}
