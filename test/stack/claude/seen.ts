/** @module What the stand-in persona has seen of the app: every entity in its successful tool results, by module and kind, with its latest fields. */
import { READ_VERBS } from "./catalog";
import { allToolResults, resultText } from "./conversation";
import type { MessagesRequest, ToolUseBlock } from "./wire";

/** One app entity (a task, a story, an open sign, a reference photo) as the persona last saw it. */
export interface SeenEntity {
  module: string;
  /** The singular of the key that held it (`stories` → story); `entry` for a captured sign's `entryId`. */
  kind: string;
  id: string;
  fields: Record<string, unknown>;
  /** First seen in the answer of the call that made it, not in a list: made in this run. */
  madeHere: boolean;
}

/** The entities of the conversation's successful tool results, in the order first seen, each with its latest fields. */
export function seenEntities(request: MessagesRequest, calls: readonly ToolUseBlock[]): SeenEntity[] {
  const toolById = new Map(calls.map((call) => [call.id, call.name]));
  const seen = new Map<string, SeenEntity>();
  for (const result of allToolResults(request)) {
    const tool = toolById.get(result.tool_use_id);
    if (result.is_error || tool === undefined) continue;
    const [module = tool, verb = ""] = tool.split("_", 2);
    for (const entity of entitiesIn(parsed(resultText(result)), module, undefined)) {
      const known = seen.get(entity.id);
      if (known) known.fields = { ...known.fields, ...entity.fields };
      else seen.set(entity.id, { ...entity, madeHere: !READ_VERBS.test(verb) });
    }
  }
  return [...seen.values()];
}

function entitiesIn(value: unknown, module: string, key: string | undefined): Omit<SeenEntity, "madeHere">[] {
  if (Array.isArray(value)) return value.flatMap((item) => entitiesIn(item, module, key));
  if (typeof value !== "object" || value === null) return [];
  const fields = value as Record<string, unknown>;
  const inner = Object.entries(fields).flatMap(([name, child]) => entitiesIn(child, module, name));
  if (typeof fields.id === "string") return [{ module, kind: singular(key ?? module), id: fields.id, fields }, ...inner];
  // augur.captureSign and resolveSign answer the sign's id as `entryId` at the top.
  if (key === undefined && typeof fields.entryId === "string") return [{ module, kind: "entry", id: fields.entryId, fields }, ...inner];
  return inner;
}

function singular(key: string): string {
  if (key.endsWith("ies")) return `${key.slice(0, -3)}y`;
  return key.endsWith("s") ? key.slice(0, -1) : key;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
