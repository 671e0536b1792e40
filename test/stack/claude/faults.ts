/** @module Scripted Claude stand-in faults (429, 529, 500, delay, hold, bad rating, max_tokens, invalid arg), queued or set by header. */
import { z } from "zod";
import { invalidRequest } from "./errors";

const fault = z.discriminatedUnion("fault", [
  z.strictObject({ fault: z.literal("429"), retryAfter: z.number().int().min(0).optional() }),
  z.strictObject({ fault: z.literal("529") }),
  z.strictObject({ fault: z.literal("500") }),
  z.strictObject({ fault: z.literal("delay"), ms: z.number().int().min(0).max(600_000) }),
  z.strictObject({ fault: z.literal("hold") }),
  z.strictObject({ fault: z.literal("malformed-rating") }),
  z.strictObject({ fault: z.literal("max-tokens") }),
  z.strictObject({ fault: z.literal("invalid-arg") }),
]);

export type Fault = z.infer<typeof fault>;

/** Body of POST /__stack/claude/faults. */
export const faultScript = z.strictObject({ faults: z.array(fault).min(1), match: z.string().optional() });

/** What kind of turn a request is, as far as faults care. */
export type TurnKind = "tools" | "rating" | "text";

interface Scripted {
  fault: Fault;
  match: string | undefined;
}

/**
 * Faults waiting for requests, first in first out. An entry is taken by the first request whose system
 * prompt contains its `match` and which it can affect: a malformed rating waits for a rating turn and an
 * invalid argument for a turn with tools, so a script can aim at one step of one persona's run.
 */
export class FaultQueue {
  #pending: Scripted[] = [];

  add(script: z.infer<typeof faultScript>): void {
    for (const entry of script.faults) this.#pending.push({ fault: entry, match: script.match });
  }

  take(system: string, turn: TurnKind): Fault | undefined {
    const index = this.#pending.findIndex(
      (entry) => (entry.match === undefined || system.includes(entry.match)) && affects(entry.fault, turn),
    );
    if (index === -1) return undefined;
    return this.#pending.splice(index, 1)[0]?.fault;
  }

  pending(): Scripted[] {
    return [...this.#pending];
  }
}

function affects(entry: Fault, turn: TurnKind): boolean {
  if (entry.fault === "malformed-rating") return turn === "rating";
  if (entry.fault === "invalid-arg") return turn === "tools";
  return true;
}

/**
 * Header form: `429;retry-after=1`, `529`, `500`, `delay=3000`, `hold`, `malformed-rating`, `max-tokens`,
 * `invalid-arg`.
 */
export function parseFaultHeader(value: string): Fault {
  const [head = "", ...params] = value.split(";").map((part) => part.trim());
  const [name, argument] = head.split("=");
  const retryAfter = params.find((param) => param.startsWith("retry-after="))?.slice("retry-after=".length);
  const candidate =
    name === "429" ? { fault: "429", retryAfter: numberOr(retryAfter) }
    : name === "delay" ? { fault: "delay", ms: numberOr(argument) }
    : { fault: name };
  const parsed = fault.safeParse(candidate);
  if (!parsed.success) throw invalidRequest(`x-stand-in-fault: unknown or incomplete fault '${value}'`);
  return parsed.data;
}

function numberOr(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}
