/**
 * @module
 * Runs a run's read-after-write checks in its MCP session: read tools only, a bounded number of calls, no model
 * tokens; each read and its verdicts are recorded as one step (never as persona actions).
 */
import type { ActionRecord } from "../claude/conversation";
import { truncate } from "../caps";
import type { ToolOutcome } from "../mcp/session";
import { type CheckResult, judge, planChecks, type ReadGroup } from "./check";
import { READ_TOOLS } from "./table";

export interface VerificationStep {
  type: "verification";
  /** The read group it answers; null for the writes no read can check. */
  key: string | null;
  read?: { tool: string; args: Record<string, unknown>; ok: boolean; error?: string; latencyMs: number };
  checks: CheckResult[];
}

export interface VerifyPorts {
  /** mana-mcp tool names this session lists. */
  offered: ReadonlySet<string>;
  call(tool: string, args: Record<string, unknown>): Promise<ToolOutcome>;
  record(step: VerificationStep): Promise<void>;
  now(): number;
}

/** Checks what is not checked yet (`done` are the steps already recorded before a resume). */
export async function verifyWrites(actions: readonly ActionRecord[], done: readonly VerificationStep[], maxCalls: number, ports: VerifyPorts): Promise<void> {
  const plan = planChecks(actions);
  const recorded = new Set(done.map((step) => step.key));
  if (plan.unverifiable.length > 0 && !recorded.has(null)) await ports.record({ type: "verification", key: null, checks: plan.unverifiable });
  let calls = done.filter((step) => step.read).length;
  for (const group of plan.groups) {
    if (recorded.has(group.key)) continue;
    const skipped = skipReason(group, ports.offered, calls, maxCalls);
    if (skipped) {
      await ports.record({ type: "verification", key: group.key, checks: unverifiable(group, skipped) });
      continue;
    }
    calls++;
    await ports.record(await readAndJudge(group, ports));
  }
}

function skipReason(group: ReadGroup, offered: ReadonlySet<string>, calls: number, maxCalls: number): string | undefined {
  if (!offered.has(group.read.tool)) return `read tool ${group.read.tool} is not offered by this session`;
  return calls >= maxCalls ? `verification call limit ${maxCalls} reached` : undefined;
}

async function readAndJudge(group: ReadGroup, ports: VerifyPorts): Promise<VerificationStep> {
  const started = ports.now();
  const outcome = await callRead(group.read.tool, group.args, ports);
  const latencyMs = Math.max(0, ports.now() - started);
  const ok = outcome.kind === "result" && !outcome.isError;
  const text = outcome.kind === "result" ? outcome.text : outcome.error;
  const error = ok ? undefined : truncate(text, 500);
  return {
    type: "verification",
    key: group.key,
    read: { tool: group.read.tool, args: group.args, ok, ...(error ? { error } : {}), latencyMs },
    checks: judge(group, ok ? { ok: true, text } : { ok: false, error: error ?? "" }),
  };
}

/** Verification must never change the app: anything but a listed read tool is refused before it is sent. */
function callRead(tool: string, args: Record<string, unknown>, ports: VerifyPorts): Promise<ToolOutcome> {
  if (!READ_TOOLS.has(tool)) throw new Error(`verification refused to call ${tool}: not a read tool`);
  return ports.call(tool, args);
}

function unverifiable(group: ReadGroup, detail: string): CheckResult[] {
  return group.checks.map((planned) => ({ toolUseId: planned.action.toolUseId, tool: planned.action.toolName, status: "unverifiable", detail }));
}
