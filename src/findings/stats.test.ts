/** @module Wilson bounds and latency quantiles: the numbers findings are judged with. */
import { describe, expect, it } from "vitest";
import { histogramOf, mergeHistograms, quantile, sampleQuantile, wilson } from "./stats";

describe("wilson", () => {
  it("is wide for few trials and narrow for many, around the share", () => {
    const few = wilson(2, 5);
    const many = wilson(200, 500);
    expect(few.lower).toBeCloseTo(0.118, 2);
    expect(few.upper).toBeCloseTo(0.769, 2);
    expect(many.upper - many.lower).toBeLessThan(0.1);
    expect(many.lower).toBeLessThan(0.4);
    expect(many.upper).toBeGreaterThan(0.4);
  });

  it("stays within 0..1 at the edges and says nothing without trials", () => {
    expect(wilson(0, 20).lower).toBe(0);
    expect(wilson(20, 20).upper).toBeCloseTo(1, 10);
    expect(wilson(0, 0)).toEqual({ lower: 0, upper: 1 });
  });
});

describe("latency histograms", () => {
  it("answer quantiles within a bucket's width of the samples'", () => {
    const samples = [5, 6, 7, 8, 200, 210, 220, 230, 240, 3000];
    const histogram = histogramOf(samples);
    expect(quantile(histogram, 0.5)).toBeGreaterThan(180);
    expect(quantile(histogram, 0.5)).toBeLessThan(260);
    expect(quantile(mergeHistograms([histogram, histogramOf([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])]), 0.5)).toBeLessThan(10);
    expect(quantile({}, 0.5)).toBeUndefined();
    expect(sampleQuantile(samples, 0.9)).toBe(240);
  });
});
