/** @module The offered tool list: policy applied, sorted and renamed, duplicates and schemas the Messages API would refuse left out. */
import { describe, expect, it } from "vitest";
import { offerTools } from "./tools";

const schema = { type: "object", properties: { title: { type: "string" } }, required: ["title"] };
const policy = { allow: ["*"], deny: ["comic.*"] };

describe("offerTools", () => {
  it("offers allowed tools sorted with mapped names, denied ones silently left out", () => {
    const offered = offerTools(
      [
        { name: "todo.list", inputSchema: { type: "object" } },
        { name: "comic.generatePanel", inputSchema: schema },
        { name: "habits.create", description: "Habit", inputSchema: schema },
      ],
      policy,
    );
    expect(offered.tools.map((tool) => tool.name)).toEqual(["habits_create", "todo_list"]);
    expect(offered.names).toEqual([["habits_create", "habits.create"], ["todo_list", "todo.list"]]);
    expect(offered.leftOut).toEqual([]);
  });

  it("de-duplicates a tool listed twice and reports it", () => {
    const offered = offerTools([{ name: "todo.list", inputSchema: schema }, { name: "todo.list", inputSchema: { type: "object" } }], policy);
    expect(offered.tools).toHaveLength(1);
    expect(offered.tools[0]?.input_schema).toMatchObject({ required: ["title"] });
    expect(offered.leftOut).toEqual([{ name: "todo.list", reason: expect.stringMatching(/listed twice/) }]);
  });

  it.each([
    [{ type: "array", items: {} }, /type "array"/],
    [{ type: "object", properties: ["title"] }, /properties is not an object/],
    [{ type: "object", required: "title" }, /required is not a list/],
    [{ type: "object", properties: { x: { description: "y".repeat(40_000) } } }, /larger than/],
  ])("leaves out a tool whose schema the Messages API would refuse (%j) and offers the rest", (inputSchema, reason) => {
    const offered = offerTools([{ name: "bad.tool", inputSchema: inputSchema as Record<string, unknown> }, { name: "todo.list", inputSchema: schema }], policy);
    expect(offered.tools.map((tool) => tool.name)).toEqual(["todo_list"]);
    expect(offered.leftOut).toEqual([{ name: "bad.tool", reason: expect.stringMatching(reason) }]);
  });
});
