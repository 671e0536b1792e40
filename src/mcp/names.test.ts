/** @module MCP tool names mapped to API-safe names and back (collisions suffixed, length kept legal), and the allow/deny tool policy. */
import { describe, expect, it } from "vitest";
import { buildNameMap } from "./names";
import { isToolAllowed } from "./policy";

describe("buildNameMap", () => {
  it("maps dotted MCP names to API-safe names and back", () => {
    const map = buildNameMap(["todo.create", "mood.log", "notes.search"]);
    expect(map.toApi("todo.create")).toBe("todo_create");
    expect(map.toMcp("todo_create")).toBe("todo.create");
    expect(map.moduleOf("mood_log")).toBe("mood");
    expect(map.toMcp("todo.create")).toBeUndefined();
  });

  it("keeps colliding names apart with a suffix", () => {
    const map = buildNameMap(["a.b_c", "a_b.c"]);
    expect(map.toApi("a.b_c")).toBe("a_b_c");
    expect(map.toApi("a_b.c")).toBe("a_b_c_2");
    expect(map.toMcp("a_b_c_2")).toBe("a_b.c");
    expect(map.moduleOf("a_b_c_2")).toBe("a_b");
  });

  it("produces names the Claude API accepts, even for long or odd ones", () => {
    const long = `x.${"y".repeat(80)}`;
    const map = buildNameMap([long, "weird name!"]);
    for (const name of [map.toApi(long), map.toApi("weird name!")]) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });
});

describe("isToolAllowed", () => {
  const policy = { allow: ["*"], deny: ["comic.generatePanel", "wardrobe.*"] };
  it("denies listed tools and globs, allows the rest", () => {
    expect(isToolAllowed("todo.create", policy)).toBe(true);
    expect(isToolAllowed("comic.generatePanel", policy)).toBe(false);
    expect(isToolAllowed("wardrobe.tryOn", policy)).toBe(false);
    expect(isToolAllowed("comic.list", policy)).toBe(true);
  });
  it("allows only what the allow list names", () => {
    expect(isToolAllowed("todo.create", { allow: ["todo.*"], deny: [] })).toBe(true);
    expect(isToolAllowed("mood.log", { allow: ["todo.*"], deny: [] })).toBe(false);
  });
});
