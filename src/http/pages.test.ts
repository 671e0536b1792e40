/** @module Rendered page parts: the stylesheet's `>` unescaped, timestamps to the minute (exact on hover), each module's average in the legend. */
import { describe, expect, it } from "vitest";
import { RatingChart } from "./chart";
import { At, Layout } from "./layout";

// Plain calls instead of TSX: the test include pattern is *.test.ts.
const html = async (node: unknown) => (await (node as { toString(): string | Promise<string> }).toString()) as string;

describe("server-rendered pages", () => {
  it("keeps the stylesheet's child selectors intact (an escaped > hid the budget bar's fill)", async () => {
    const page = await html(Layout({ title: "t", children: "" }));
    expect(page).toContain(".bar>div{");
    expect(page).not.toContain("&gt;");
  });

  it("shows a timestamp to the minute on one line, the exact value on hover", async () => {
    expect(await html(At({ iso: "2026-11-24T16:47:44.172Z" }))).toBe(
      '<span class="nowrap" title="2026-11-24T16:47:44.172Z">2026-11-24 16:47</span>',
    );
  });

  it("names each module's latest average in the chart legend", async () => {
    const svg = await html(
      RatingChart({
        points: [
          { day: "2026-11-23", module: "todo", average: 4, count: 2 },
          { day: "2026-11-24", module: "todo", average: 3.4, count: 7 },
          { day: "2026-11-24", module: "spaces", average: 5, count: 1 },
        ],
      }),
    );
    expect(svg).toContain("todo 3.4 (7 ratings)");
    expect(svg).toContain("spaces 5.0 (1 rating)");
  });
});
