/** @module POST /v1/messages in the Claude stand-in: authenticate, parse and validate, apply a due fault, play the persona, bill. */
import type { Gate } from "../gate";
import { compose } from "./answer";
import type { OutputBlock, StopReason } from "./answer-types";
import type { PromptCache } from "./cache";
import { systemText } from "./conversation";
import type { ClaudeDefects } from "./defects";
import { ApiError, invalidRequest } from "./errors";
import { parseFaultHeader, type Fault, type FaultQueue } from "./faults";
import { token } from "../hash";
import { type BodyJson, parseMessagesRequest } from "./parse";
import type { LogEntry } from "./stats";
import { readTurn } from "./turn";
import { bill, type Usage } from "./usage";
import { validateRequest } from "./validate";

export interface MessagesDeps {
  cache: PromptCache;
  faults: FaultQueue;
  gate: Gate;
  defects: ClaudeDefects;
}

export interface MessageBody {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: OutputBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: Usage;
}

/** Filled in as far as handling gets, so a failed request is logged with what was known (system: on arrival). */
export type Trace = Pick<LogEntry, "model" | "system" | "tools">;

/**
 * POST /v1/messages, its body already read: authenticate, validate, apply a fault if one is due, play the
 * persona, bill.
 */
export async function createMessage(headers: Headers, json: BodyJson, deps: MessagesDeps, trace: Trace): Promise<MessageBody> {
  authenticate(headers);
  const headerFault = headers.get("x-stand-in-fault");
  const forced = headerFault === null ? undefined : parseFaultHeader(headerFault);
  const body = parseMessagesRequest(json);
  trace.model = body.model;
  trace.tools = (body.tools ?? []).map((tool) => tool.name);
  validateRequest(body);

  const turn = readTurn(body, new Date());
  const fault = forced ?? deps.faults.take(systemText(body), turn.kind);
  await applyTransportFault(fault, deps.gate);
  const { answer, outputTokens } = compose(turn, fault, deps.defects);
  return {
    id: `msg_${token(JSON.stringify(body), 24)}`,
    type: "message",
    role: "assistant",
    model: body.model,
    content: answer.content,
    stop_reason: answer.stop_reason,
    stop_sequence: null,
    usage: bill(body, deps.cache, outputTokens),
  };
}

function authenticate(headers: Headers): void {
  const bearer = headers.get("authorization")?.match(/^Bearer\s+(\S+)/i)?.[1];
  if (!headers.get("x-api-key") && !bearer) throw new ApiError("authentication_error", "x-api-key header is required");
  if (!headers.get("anthropic-version")) throw invalidRequest("anthropic-version: header is required");
}

async function applyTransportFault(fault: Fault | undefined, gate: Gate): Promise<void> {
  switch (fault?.fault) {
    case "429": {
      const retryAfter = String(fault.retryAfter ?? 1);
      throw new ApiError(
        "rate_limit_error",
        "This request would exceed your organization's rate limit. Please try again later.",
        { "retry-after": retryAfter },
      );
    }
    case "529":
      throw new ApiError("overloaded_error", "Overloaded");
    case "500":
      throw new ApiError("api_error", "Internal server error");
    case "delay":
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return;
    case "hold":
      await gate.hold();
  }
}

