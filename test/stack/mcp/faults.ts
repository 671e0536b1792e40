/** @module Staged tools/call faults of the mana-mcp stand-in (restart, lost reply, 500, 401, slow, hold), taken per tool and user. */
import { z } from "zod";

/**
 * Failures of a tools/call the stand-in can stage (docs/contracts.md §2): the server restarted and forgot the session
 * before the call (404, nothing ran), the reply was cut after the write landed, a plain HTTP 500 before
 * anything ran, a 401 for a token the server no longer accepts, a reply slower than the client's timeout
 * (the write lands), or a call held before it runs until the test releases it (then it runs and replies).
 */
export const faultInput = z.object({
  tool: z.string().min(1).describe('a dotted tool name, or "*" for any tool'),
  kind: z.enum(["restart-before", "lose-reply", "http-500", "http-401", "slow", "hold"]),
  userId: z.string().min(1).optional().describe("only calls in sessions of this user"),
  times: z.int().positive().default(1),
  ms: z.int().nonnegative().max(60_000).default(5_000),
});

export type Fault = z.output<typeof faultInput>;
export type FaultKind = Fault["kind"];

export class McpFaults {
  #pending: Fault[] = [];

  add(fault: Fault): void {
    this.#pending.push({ ...fault });
  }

  /** Takes one use of the first fault staged for this tool and user, if any. */
  take(tool: string, userId: string): Fault | undefined {
    const fault = this.#pending.find(
      (candidate) => (candidate.tool === "*" || candidate.tool === tool) && (candidate.userId ?? userId) === userId,
    );
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times === 0) this.#pending.splice(this.#pending.indexOf(fault), 1);
    return fault;
  }

  pending(): Fault[] {
    return this.#pending.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.#pending = [];
  }
}
