/** @module The stand-in persona's tool turns: preferred modules, read/write alternation, parallel pairs, fresh ids, the day's summary. */
import type { Answer, OutputBlock } from "./answer-types";
import { argumentsFor } from "./args";
import { moduleOf, type OfferedTool } from "./catalog";
import * as german from "./german";
import { Rng, token } from "../hash";
import { uuid } from "./strings";
import type { Turn } from "./turn";

type ToolUse = Extract<OutputBlock, { type: "tool_use" }>;

/**
 * How often the model gets a call wrong, each a share of calls from 0 (never) to 1: invalidArgs leaves out a
 * required field, madeUpIds acts on a well-formed id no tool ever answered. Which calls is decided per persona and
 * call index, so the same conversation makes the same mistakes.
 */
export interface Mistakes {
  invalidArgs: number;
  madeUpIds: number;
}

const NO_MISTAKES: Mistakes = { invalidArgs: 0, madeUpIds: 0 };

/**
 * A turn with tools: call tools until the persona's target is reached, then sum up the day. Calls prefer the
 * persona's modules and alternate between looking (read) and doing (write); every second step makes two
 * calls at once, as Claude does with parallel tool use.
 */
export function toolTurn(turn: Turn, mistakes = NO_MISTAKES): Answer {
  const choice = turn.request.tool_choice;
  const forced = choice?.type === "any" || choice?.type === "tool";
  const remaining = turn.persona.targetCalls - turn.calls.length;
  if (remaining <= 0 && !forced) return endOfDay(turn);

  const parallel = turn.step % 2 === 0 && remaining >= 2 && !disablesParallel(turn) && choice?.type !== "tool";
  const uses = planCalls(turn, parallel ? 2 : 1, mistakes);
  if (uses.length === 0) return endOfDay(turn);
  // A forced call comes without words, as with the real model.
  const text = forced ? [] : preamble(turn, uses[0]!);
  return { content: [...text, ...uses], stop_reason: "tool_use" };
}

/** Half of the time the persona says what it is about to do. */
function preamble(turn: Turn, use: ToolUse): OutputBlock[] {
  const rng = new Rng(`${turn.fingerprint}:preamble`);
  const tool = turn.tools.find((candidate) => candidate.name === use.name);
  if (!tool || !rng.chance(0.5)) return [];
  return [{ type: "text", text: german.preamble(turn.persona, rng, tool.kind, tool.module) }];
}

/**
 * Call `index` with its input lacking a required field, for the invalid-arg fault and the invalidArgs defect;
 * undefined when no tool has one.
 */
export function invalidCall(turn: Turn, index = turn.calls.length): ToolUse | undefined {
  const candidates = turn.tools.filter((tool) => tool.required.length > 0);
  const preferred = candidates.filter((tool) => turn.persona.prefers(tool.module));
  const pool = preferred.length > 0 ? preferred : candidates;
  if (pool.length === 0) return undefined;
  const rng = new Rng(`${turn.persona.seed}:invalid:${index}`);
  const tool = rng.pick(pool);
  const use = useOf(turn, tool, index, rng, uuid(rng));
  delete use.input[tool.required[0]!];
  return use;
}

/** The next `count` calls; fewer when the persona has nothing it can do (every tool needs an unseen id). */
export function planCalls(turn: Turn, count: number, mistakes = NO_MISTAKES): ToolUse[] {
  const uses: ToolUse[] = [];
  for (let offset = 0; offset < count; offset++) {
    const index = turn.calls.length + offset;
    const invalid = mistaken(turn, "invalidArgs", index, mistakes) ? invalidCall(turn, index) : undefined;
    if (invalid) {
      uses.push(invalid);
      continue;
    }
    const rng = new Rng(`${turn.persona.seed}:call:${index}`);
    const tool = chooseTool(turn, index, uses, rng);
    if (!tool) break;
    uses.push(useOf(turn, tool, index, rng, idFor(turn, tool, index, uses, mistakes)));
  }
  return uses;
}

/** The record id call `index` acts on: one seen in a tool result, or with the madeUpIds defect one made up. */
function idFor(turn: Turn, tool: OfferedTool, index: number, planned: readonly ToolUse[], mistakes: Mistakes): string | undefined {
  if (!tool.needsId || !mistaken(turn, "madeUpIds", index, mistakes)) return freeId(turn, tool, planned);
  return uuid(new Rng(`${turn.persona.seed}:madeUpId:${index}`));
}

function mistaken(turn: Turn, kind: keyof Mistakes, index: number, mistakes: Mistakes): boolean {
  return mistakes[kind] > 0 && new Rng(`${turn.persona.seed}:${kind}:${index}`).chance(mistakes[kind]);
}

function useOf(turn: Turn, tool: OfferedTool, index: number, rng: Rng, id: string | undefined): ToolUse {
  const context = { persona: turn.persona, rng, module: tool.module, now: turn.now, id };
  return {
    type: "tool_use",
    id: `toolu_${token(`${turn.fingerprint}:${index}`, 24)}`,
    name: tool.name,
    input: argumentsFor(tool.schema, context),
  };
}

function chooseTool(turn: Turn, index: number, planned: readonly ToolUse[], rng: Rng): OfferedTool | undefined {
  const choice = turn.request.tool_choice;
  if (choice?.type === "tool") return turn.tools.find((tool) => tool.name === choice.name);
  const usable = turn.tools.filter((tool) => !tool.needsId || freeId(turn, tool, planned) !== undefined);
  const kind = index % 2 === 0 ? "read" : "write";
  const preferred = usable.filter((tool) => turn.persona.prefers(tool.module));
  const ofKind = (tools: OfferedTool[]) => tools.filter((tool) => tool.kind === kind);
  const pools = [ofKind(preferred), preferred, ofKind(usable), usable];
  const pool = pools.find((candidates) => candidates.length > 0) ?? [];
  const called = new Set([...turn.calls, ...planned].map((use) => use.name));
  const fresh = pool.filter((tool) => !called.has(tool.name));
  return pool.length === 0 ? undefined : rng.pick(fresh.length > 0 ? fresh : pool);
}

/** The newest id of this module's records that no call has acted on yet, so a todo is completed once. */
function freeId(turn: Turn, tool: OfferedTool, planned: readonly ToolUse[]): string | undefined {
  if (!tool.needsId) return undefined;
  const used = new Set([...turn.calls, ...planned].map((use) => use.input.id));
  return (turn.ids.get(tool.module) ?? []).findLast((id) => !used.has(id));
}

function disablesParallel(turn: Turn): boolean {
  const choice = turn.request.tool_choice;
  return choice !== undefined && choice.type !== "none" && choice.disable_parallel_tool_use === true;
}

function endOfDay(turn: Turn): Answer {
  const rng = new Rng(`${turn.fingerprint}:summary`);
  const modules = [...new Set(turn.calls.map((call) => moduleOf(call.name)))];
  const text = german.summary(rng, turn.calls.length, modules);
  return { content: [{ type: "text", text }], stop_reason: "end_turn" };
}
