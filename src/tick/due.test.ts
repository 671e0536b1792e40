/** @module The due list's intake: malformed or repeated personas skipped with their error, chunking, a huge system prompt capped. */
import { describe, expect, it } from "vitest";
import { chunk, parseDueEntries } from "./due";

const good = {
  userId: "a".repeat(32),
  email: "persona.anna@mana.test",
  archetype: "adhd-student",
  systemPrompt: "Du bist Anna",
  moduleMix: { todo: 0.5 },
  tickCadence: "daily",
  lastActiveAt: null,
};

describe("parseDueEntries", () => {
  it("skips malformed entries with a clear error and keeps the rest", () => {
    const { valid, invalid } = parseDueEntries([
      good,
      { ...good, userId: "b".repeat(32), tickCadence: "monthly" },
      null,
      { ...good, userId: "c".repeat(32), email: "not-an-email", moduleMix: { todo: -1 } },
      good,
    ]);
    expect(valid.map((p) => p.userId)).toEqual(["a".repeat(32)]);
    expect(invalid).toHaveLength(4);
    expect(invalid[0]).toMatchObject({ index: 1, userId: "b".repeat(32) });
    expect(invalid[0]?.error).toContain("tickCadence");
    expect(invalid[1]).toMatchObject({ index: 2 });
    expect(invalid[2]?.error).toMatch(/email.*moduleMix|moduleMix.*email/s);
    expect(invalid[3]).toMatchObject({ index: 4, error: "userId listed twice" });
  });
});

describe("chunk", () => {
  it("splits in order", () => expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]));
});

describe("the due list's intake", () => {
  it("caps a 200 KB system prompt, saying how much was cut: it rides on every dispatch and model request", () => {
    const { valid } = parseDueEntries([{ ...good, systemPrompt: `Du bist Anna. ${"x".repeat(200 * 1024)}` }]);
    const prompt = valid[0]?.systemPrompt ?? "";
    expect(prompt.length).toBeLessThan(33_000);
    expect(prompt.startsWith("Du bist Anna.")).toBe(true);
    expect(prompt).toMatch(/…\[truncated: 1\d\d\.\d KB\]$/);
  });
});
