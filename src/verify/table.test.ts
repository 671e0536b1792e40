/** @module The verification table against the snapshot of mana's tool registry: its reads, every write tool, ids, arguments and fields the reads show. */
import { describe, expect, it } from "vitest";
import snapshot from "../../test/stack/mcp/registry.snapshot.json";
import { at, READ_TOOLS, VERIFY_TABLE, type WriteCheck } from "./table";

type Tool = (typeof snapshot.tools)[number];
type Json = Record<string, unknown>;

const tools = new Map<string, Tool>(snapshot.tools.map((tool) => [tool.name, tool]));
const ofHint = (hint: string) => snapshot.tools.filter((tool) => tool.policyHint === hint).map((tool) => tool.name);
const objects = (tool: Tool): Record<string, string[]> => (tool.result as { objects?: Record<string, string[]> }).objects ?? {};
const plain = (keys: string[]) => keys.map((key) => key.replace(/\?$/, ""));
const checks = Object.entries(VERIFY_TABLE).filter((entry): entry is [string, WriteCheck] => "read" in entry[1]);

/** A call of `tool` with every input property given, and a result of its real shape with `id` where the check looks. */
function example(tool: Tool, check: WriteCheck): { input: Json; written: Json } {
  const input = Object.fromEntries(Object.keys(tool.input.properties).map((name) => [name, `${name}-value`]));
  const written: Json = Object.fromEntries(tool.result.keys.map((key) => [key, key in objects(tool) ? { id: "id-value" } : [`${key}-value`]]));
  if (check.id.in === "result" && check.id.path.length === 1) written[check.id.path[0] as string] = "id-value";
  return { input, written };
}

describe("the verification table against the registry's snapshot", () => {
  it("may call exactly the registry's read tools", () => {
    expect([...READ_TOOLS].toSorted()).toEqual(ofHint("read"));
  });

  it("knows every write tool of the registry, checked or named unverifiable with its reason, and nothing else", () => {
    expect(Object.keys(VERIFY_TABLE).toSorted()).toEqual(ofHint("write"));
    const unverifiable = Object.entries(VERIFY_TABLE).filter(([, entry]) => "unverifiable" in entry).map(([name]) => name);
    expect(unverifiable).toEqual(["comic.generatePanel", "journal.add", "me.generateWithReference", "wardrobe.tryOn"]);
  });

  it.each(checks)("%s: reads a list the read tool answers, with arguments it accepts", (name, check) => {
    const read = tools.get(check.read.tool) as Tool;
    expect(read.policyHint).toBe("read");
    expect(objects(read)[check.read.list], `${check.read.tool} answers a "${check.read.list}" list`).toBeDefined();
    const { input, written } = example(tools.get(name) as Tool, check);
    for (const [arg, value] of Object.entries(check.read.args(input, written))) {
      const property = (read.input.properties as Record<string, Json>)[arg];
      expect(property, `${check.read.tool} takes ${arg}`).toBeDefined();
      if (typeof value === "number") expect(value).toBeLessThanOrEqual((property?.maximum as number | undefined) ?? Infinity);
    }
  });

  it.each(checks)("%s: takes the entity's id from where the real tool puts it, and expects only fields the read shows", (name, check) => {
    const tool = tools.get(name) as Tool;
    const [first, second] = check.id.path;
    if (check.id.in === "input") expect(Object.keys(tool.input.properties)).toContain(first);
    else if (second === undefined) expect(tool.result.keys).toContain(first);
    else expect(plain(objects(tool)[first as string] ?? [])).toContain(second);
    const { input, written } = example(tool, check);
    expect(at(check.id.in === "result" ? written : input, check.id.path)).toBeTypeOf("string");
    const expectation = check.expect(input, written);
    const fields = "shows" in expectation ? [...Object.keys(expectation.shows), ...Object.keys(expectation.contains ?? {})] : [];
    const shown = plain(objects(tools.get(check.read.tool) as Tool)[check.read.list] ?? []);
    expect(fields.filter((field) => !shown.includes(field)), `fields ${check.read.tool} does not show`).toEqual([]);
    if ("shows" in expectation) expect(fields.length).toBeGreaterThan(0);
  });
});
