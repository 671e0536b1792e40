/** @module The one message that tells the team how a finding stands, from what it last heard. */
import { describe, expect, it } from "vitest";
import { eventOf, messageId, netEvent } from "./story";

describe("netEvent", () => {
  it.each([
    [["opened"], "opened"],
    [["opened", "resolved"], "opened and resolved"],
    [["opened and resolved", "reopened"], "opened"],
    [["opened", "resolved", "reopened", "resolved"], "opened and resolved"],
    [["resolved"], "resolved"],
    [["resolved", "reopened"], undefined],
    [["resolved", "reopened", "resolved"], "resolved"],
    [["reopened"], "reopened"],
    [["reopened", "resolved"], undefined],
  ] as const)("%j → %s", (unheard, told) => expect(netEvent(unheard)).toBe(told));

  it("is nothing when nothing is unheard", () => expect(netEvent([])).toBeUndefined());
});

describe("message ids", () => {
  it("name their event and flap, and read back", () => {
    expect(messageId("f#1#", "opened and resolved", 2)).toBe("f#1#opened-and-resolved-2");
    expect(messageId("f#1#", "opened", undefined)).toBe("f#1#opened");
    expect(eventOf("tool-failing:x#1#opened-and-resolved-2")).toBe("opened and resolved");
    expect(eventOf("tool-failing:x#1#reopened-1")).toBe("reopened");
    expect(eventOf("digest#2026-11-25")).toBeUndefined();
  });
});
