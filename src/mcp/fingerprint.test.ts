/** @module Tool-surface fingerprints: the same schema the same fingerprint whatever its key order, any change a new one. */
import { describe, expect, it } from "vitest";
import { canonicalJson, surfaceOf } from "./fingerprint";

const schema = { type: "object", properties: { title: { type: "string", maxLength: 500 } }, required: ["title"] };

describe("surfaceOf", () => {
  it("fingerprints each tool's input schema, in name order, and hands each schema back by its fingerprint", async () => {
    const { surface, schemas } = await surfaceOf([
      { name: "todo.list", inputSchema: { type: "object" } },
      { name: "todo.create", inputSchema: schema },
    ]);
    expect(surface.map(([name]) => name)).toEqual(["todo.create", "todo.list"]);
    expect(surface[0]?.[1]).toMatch(/^[0-9a-f]{16}$/);
    expect(schemas[surface[0]?.[1] ?? ""]).toEqual(schema);
  });

  it("gives a schema one fingerprint whatever the order of its keys, and a changed schema another", async () => {
    const reordered = { required: ["title"], properties: { title: { maxLength: 500, type: "string" } }, type: "object" };
    const [[, a]] = (await surfaceOf([{ name: "t", inputSchema: schema }])).surface as [[string, string]];
    const [[, b]] = (await surfaceOf([{ name: "t", inputSchema: reordered }])).surface as [[string, string]];
    const [[, c]] = (await surfaceOf([{ name: "t", inputSchema: { ...schema, required: [] } }])).surface as [[string, string]];
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(canonicalJson(reordered)).toBe(canonicalJson(schema));
  });
});
