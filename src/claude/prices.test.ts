/** @module Run cost: cache writes and reads priced at their own rates, list prices per model, an unknown model priced like the dearest. */
import { describe, expect, it } from "vitest";
import { costUsd, priceFor } from "./prices";

describe("costUsd", () => {
  it("prices cache writes and reads at their own rates, not as fresh input", () => {
    const { price } = priceFor("claude-sonnet-4-6");
    expect(price).toEqual({ input: 3, output: 15, cacheWrite: 3.75, cacheWrite1h: 6, cacheRead: 0.3 });
    const usage = { input: 1_000, output: 500, cacheWrite: 2_000, cacheWrite1h: 0, cacheRead: 10_000 };
    expect(costUsd(usage, price)).toBeCloseTo((1_000 * 3 + 2_000 * 3.75 + 10_000 * 0.3 + 500 * 15) / 1e6, 12);
    // A budget that counted every token as fresh input would charge the cache read ten times over.
    expect(costUsd(usage, price)).toBeLessThan(((1_000 + 2_000 + 10_000) * 3 + 500 * 15) / 1e6);
  });

  it("prices a 1-hour cache write at twice the input price, above a 5-minute one", () => {
    const { price } = priceFor("claude-sonnet-4-6");
    const write = (cacheWrite: number, cacheWrite1h: number) => costUsd({ input: 0, output: 0, cacheWrite, cacheWrite1h, cacheRead: 0 }, price);
    expect(write(0, 1_000_000)).toBeCloseTo(6, 12);
    expect(write(1_000_000, 0)).toBeCloseTo(3.75, 12);
  });

  it.each([
    ["claude-haiku-4-5", 1, 5],
    ["claude-opus-4-6", 5, 25],
    ["claude-opus-4-1-20250805", 15, 75],
  ])("knows the list price of %s", (model, input, output) => {
    expect(priceFor(model)).toMatchObject({ known: true, price: { input, output } });
  });

  it("prices an unknown model like the dearest one: a money guard overstates, never understates", () => {
    expect(priceFor("some-future-model")).toEqual({ known: false, price: priceFor("claude-opus-4-1").price });
  });
});
