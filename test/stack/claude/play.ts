/** @module The stand-in persona's tool turns: preferred and explored modules, look-then-act, parallel pairs, acting on what was seen, the day's summary. */
import type { Answer, OutputBlock } from "./answer-types";
import { argumentsFor, asChange } from "./args";
import { moduleOf, type OfferedTool } from "./catalog";
import * as german from "./german";
import { Rng, token } from "../hash";
import { ID_REFS, type Resolved, resolveRefs, shownBy } from "./refs";
import { uuid } from "./strings";
import type { Turn } from "./turn";

/** Share of calls made outside the persona's own modules. */
const EXPLORE = 0.35;
/** Share of writes made in the module the persona just looked at. */
const FOLLOW_UP = 0.7;
/** Share of reads that look up what a write the persona has in mind needs. */
const LOOK_UP = 0.5;

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
 * A turn with tools: call tools until the persona's target is reached, then sum up the day. Calls alternate between
 * looking (read) and doing (write); every second step makes two calls at once, as Claude does with parallel tool use.
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
  const use = useOf(turn, { tool, refs: refsFor(turn, tool, []) }, index, rng);
  delete use.input[tool.required[0]!];
  return use;
}

/** The next `count` calls; fewer when the persona has nothing it can do (every tool needs something not seen yet). */
export function planCalls(turn: Turn, count: number, mistakes = NO_MISTAKES): ToolUse[] {
  const uses: ToolUse[] = [];
  for (let offset = 0; offset < count; offset++) {
    const index = turn.calls.length + offset;
    const rng = new Rng(`${turn.persona.seed}:call:${index}`);
    // A model that gets the arguments wrong does so in a change it meant to make: a tool with required fields.
    const invalid = mistaken(turn, "invalidArgs", index, mistakes);
    const kind = invalid || index % 2 === 1 ? "write" : "read";
    const option = chooseTool(turn, kind, uses, rng, invalid ? (tool) => tool.required.length > 0 : () => true);
    if (!option) break;
    const use = useOf(turn, mistaken(turn, "madeUpIds", index, mistakes) ? madeUp(turn, option, index) : option, index, rng);
    if (invalid) delete use.input[option.tool.required[0]!];
    uses.push(use);
  }
  return uses;
}

function mistaken(turn: Turn, kind: keyof Mistakes, index: number, mistakes: Mistakes): boolean {
  return mistakes[kind] > 0 && new Rng(`${turn.persona.seed}:${kind}:${index}`).chance(mistakes[kind]);
}

/** The call with the id of the entity it acts on (if it acts on one) replaced by a well-formed one no tool answered. */
function madeUp(turn: Turn, option: Option, index: number): Option {
  const { refs } = option;
  const named = "values" in refs ? ID_REFS.find((property) => property in refs.values) : undefined;
  if (!named || !("values" in refs)) return option;
  return { ...option, refs: { values: { ...refs.values, [named]: uuid(new Rng(`${turn.persona.seed}:madeUpId:${index}`)) } } };
}

/** A tool the persona could call now, with what its arguments take from seen entities (or what it still lacks). */
interface Option {
  tool: OfferedTool;
  refs: Resolved;
}

function useOf(turn: Turn, { tool, refs }: Option, index: number, rng: Rng): ToolUse {
  const values = "values" in refs ? refs.values : {};
  const context = { persona: turn.persona, rng, module: tool.module, now: turn.now, refs: values };
  const acted = turn.seen.find((entity) => entity.id === values.id);
  const input = argumentsFor(tool.schema, context);
  return {
    type: "tool_use",
    id: `toolu_${token(`${turn.fingerprint}:${index}`, 24)}`,
    name: tool.name,
    input: acted ? asChange(input, tool.schema, acted.fields, context) : input,
  };
}

function refsFor(turn: Turn, tool: OfferedTool, planned: readonly ToolUse[]): Resolved {
  const used = new Set(
    [...turn.calls, ...planned].filter((use) => use.name === tool.name).flatMap((use) => Object.values(use.input).filter((value) => typeof value === "string")),
  );
  const rng = new Rng(`${turn.persona.seed}:refs:${turn.calls.length + planned.length}:${tool.name}`);
  return resolveRefs({ module: tool.module, verb: tool.verb, properties: tool.properties, required: tool.required, seen: turn.seen, used, rng });
}

/**
 * Reads and writes alternate. Most calls stay in the persona's own modules, some explore the others, as a person
 * tries what the app offers. A write mostly acts in the module just looked at; a read often looks up what a write
 * will need (the reference photos before a comic story, the open signs before resolving one).
 */
function chooseTool(turn: Turn, kind: OfferedTool["kind"], planned: readonly ToolUse[], rng: Rng, allowed: (tool: OfferedTool) => boolean): Option | undefined {
  const choice = turn.request.tool_choice;
  const options = turn.tools.filter(allowed).map((tool) => ({ tool, refs: refsFor(turn, tool, planned) }));
  if (choice?.type === "tool") return options.find((option) => option.tool.name === choice.name);
  const usable = options.filter((option) => "values" in option.refs);
  const explore = rng.chance(EXPLORE);
  const scoped = (list: Option[]) => {
    const preferred = list.filter((option) => turn.persona.prefers(option.tool.module));
    return explore || preferred.length === 0 ? list : preferred;
  };
  const ofKind = (list: Option[]) => list.filter((option) => option.tool.kind === kind);
  const intended = kind === "write" ? followUp(turn, usable, rng) : lookUp(scoped(options), usable, rng);
  const pools = [intended, ofKind(scoped(usable)), scoped(usable), ofKind(usable), usable];
  const pool = pools.find((candidates) => candidates.length > 0) ?? [];
  const called = new Set([...turn.calls, ...planned].map((use) => use.name));
  const fresh = pool.filter((option) => !called.has(option.tool.name));
  return pool.length === 0 ? undefined : rng.pick(fresh.length > 0 ? fresh : pool);
}

/** The writes of the module the last answered call looked at, most of the time. */
function followUp(turn: Turn, usable: Option[], rng: Rng): Option[] {
  const last = turn.tools.find((tool) => tool.name === turn.calls.at(-1)?.name);
  if (last?.kind !== "read" || !rng.chance(FOLLOW_UP)) return [];
  return usable.filter((option) => option.tool.kind === "write" && option.tool.module === last.module);
}

/** Often: a write in mind, and the read that shows what it needs, else a read of its module. */
function lookUp(scoped: Option[], usable: Option[], rng: Rng): Option[] {
  const writes = scoped.filter((option) => option.tool.kind === "write");
  if (writes.length === 0 || !rng.chance(LOOK_UP)) return [];
  const { tool, refs } = rng.pick(writes);
  const reads = usable.filter((option) => option.tool.kind === "read");
  const shows = "missing" in refs ? shownBy(refs.missing) : undefined;
  const needed = reads.filter((option) => option.tool.name === shows);
  return needed.length > 0 ? needed : reads.filter((option) => option.tool.module === tool.module);
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
