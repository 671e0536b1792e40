/** @module Checks of a persona's runs against the stand-ins: each tool call in mana-auth exactly once, no tool run more often than recorded, every run settled. */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import type { RunDetail } from "../src/persona/runner";
import { executions, rows } from "./helpers";

export async function runsOf(userId: string): Promise<RunDetail[]> {
  const list = (await (await SELF.fetch(`http://runner.test/personas/${userId}/runs`)).json()) as { runs: { runId: string }[] };
  return Promise.all(
    list.runs.map(async ({ runId }) => (await (await SELF.fetch(`http://runner.test/personas/${userId}/runs/${encodeURIComponent(runId)}`)).json()) as RunDetail),
  );
}

/**
 * The fault matrix's invariant: every tool call the model made is in mana-auth exactly once, no tool ran twice
 * in the app, and every run ended succeeded or failed with a stated reason.
 */
export async function expectExactlyOnce(userId: string): Promise<RunDetail[]> {
  const runs = await runsOf(userId);
  const stored = await rows(userId);
  const ran = (await executions()).filter((execution) => execution.userId === userId);
  for (const run of runs) {
    expect(["succeeded", "failed"], `run ${run.runId} is ${run.phase}: ${run.error}`).toContain(run.phase);
    if (run.phase === "failed") expect(run.error, `failed run ${run.runId} states a reason`).toBeTruthy();
    const { messages, actions } = run.transcript.conversation;
    const toolUses = messages.flatMap((message) =>
      typeof message.content === "string" ? [] : message.content.filter((block) => block.type === "tool_use").map((block) => (block as { id: string }).id),
    );
    const actionIds = actions.map((action) => action.toolUseId);
    expect(new Set(actionIds).size, "one action per tool_use id").toBe(actionIds.length);
    expect([...actionIds].sort()).toEqual([...new Set(toolUses)].sort());
    const landed = stored.actions.filter((row) => row.tickId === run.tickId);
    expect(landed.map((row) => row.toolName)).toEqual(actions.map((action) => action.toolName));
  }
  const byTool = new Map<string, number>();
  for (const execution of ran) byTool.set(execution.tool, (byTool.get(execution.tool) ?? 0) + 1);
  for (const [tool, count] of byTool) {
    // Verification's reads run in the app too; they are recorded in the transcript, not as persona actions.
    const reads = runs.flatMap((run) => run.transcript.verification.flatMap((step) => (step.read ? [step.read.tool] : [])));
    const calls = runs.flatMap((run) => run.transcript.conversation.actions.map((action) => action.toolName));
    const recorded = [...calls, ...reads].filter((name) => name === tool).length;
    expect(count, `${tool} executed ${count}× for ${recorded} recorded calls`).toBeLessThanOrEqual(recorded);
  }
  return runs;
}
