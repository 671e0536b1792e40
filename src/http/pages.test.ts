/** @module Rendered page parts: the stylesheet's `>` unescaped, timestamps to the minute (exact on hover), each module's average in the legend, a run's tokens of every kind, write checks of every outcome. */
import { describe, expect, it } from "vitest";
import { RatingChart } from "./chart";
import { coverageMap, NO_CHECKS } from "../coverage/map";
import { replay } from "../persona/transcript";
import { CoverageSection } from "./coverage-section";
import { At, Layout } from "./layout";
import { RunPage } from "./run-page";

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

  it("shows a run's cache writes of both lifetimes, so its tokens account for its cost", async () => {
    const usage = { input: 310, output: 420, cacheWrite: 1_250, cacheWrite1h: 4_829, cacheRead: 9_000 };
    const page = await html(
      RunPage({
        run: {
          runId: "r1",
          tickId: "t1",
          slot: "2026-11-25T09:00Z",
          manual: false,
          persona: { userId: "u1", email: "persona.anna@mana.test", archetype: "a", tickCadence: "daily" },
          phase: "succeeded",
          attempts: 1,
          createdAt: 0,
          usage,
          costUsd: 0.05,
          transcript: replay([]),
        },
      }),
    );
    expect(page).toContain("310 in / 420 out / 4,829 cache write (1 h) / 1,250 cache write (5 min) / 9,000 cache read tokens · $0.05000");
  });

  it("shows a write tool's checks whose read failed, so the coverage shares add up to the whole", async () => {
    const checks = { ...NO_CHECKS, verified: 2, missing: 1, readFailed: 1 };
    const window = { since: 0, tools: { "todo.create": { calls: 4, failed: 0, checks } }, personas: { tool: { "todo.create": 1 }, module: { todo: 1 }, wanted: {}, mentioned: {} } };
    const page = await html(CoverageSection({ map: coverageMap(window, { offered: ["todo.create"], removed: [] }, { allow: ["*"], deny: [] }) }));
    expect(page).toContain("writes: verified / missing / read failed / unverifiable");
    expect(page).toContain("50 % / 25 % / 25 % / 0 % of 4");
  });
});
