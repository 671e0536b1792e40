/** @module Text cuts end with a marker saying how much was cut and never split a surrogate pair; sizes print in B, KB and MB. */
import { describe, expect, it } from "vitest";
import { formatBytes, truncate } from "./caps";

describe("truncate", () => {
  it("leaves short text alone", () => expect(truncate("kurz", 10)).toBe("kurz"));

  it("cuts long text and says how much was cut", () => {
    const cut = truncate("x".repeat(5 * 1024 * 1024), 16_000);
    expect(cut.length).toBeLessThan(16_100);
    expect(cut.endsWith("…[truncated: 5.0 MB]")).toBe(true);
  });

  it("never splits a surrogate pair, so the result stays valid UTF-16 for JSON and Postgres", () => {
    const cut = truncate("ab😀cd", 3);
    expect(cut.startsWith("ab…")).toBe(true);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("formats sizes in B, KB and MB", () => {
    expect([formatBytes(12), formatBytes(2048), formatBytes(4.8 * 1024 * 1024)]).toEqual(["12 B", "2.0 KB", "4.8 MB"]);
  });
});
