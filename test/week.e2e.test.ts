/** @module The labelled simulated week: every injected defect opens exactly one finding naming it and one message each way, the background noise opens nothing. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { freshWorldOnFakeClock } from "./helpers";
import { runWeek, STANDING, WEEK_START } from "./scenario/week";

beforeEach(() => freshWorldOnFakeClock(WEEK_START));
afterEach(() => vi.useRealTimers());

/**
 * Detection within this many runs after a defect starts (ten personas run every two hours, so ten runs a tick). Most
 * defects open within the first tick or two; a tool failing on 35 % of its calls at random (todo.list, about seven
 * calls a tick) needs three: twice that is the bound (BENCHMARKS.md).
 */
const RUNS_TO_DETECT = 60;

describe("a labelled week on the stand-ins", () => {
  it("opens one finding per injected defect, naming it, with one message each way, and nothing for the noise", { timeout: 600_000 }, async () => {
    const report = await runWeek();
    // One line for `npm run bench:findings`, which runs this test and prints the figures.
    console.log(`WEEK_REPORT ${JSON.stringify(report)}`);
    expect(report.falseFindings, "findings the noise opened").toEqual([]);
    expect(report.standing, STANDING.name).toEqual({ opened: 1, reopened: 0, resolved: 0, openAtEnd: true });
    for (const defect of report.defects) {
      expect(defect.findings, defect.name).toHaveLength(1);
      expect(defect.named, `${defect.name}: the finding names it`).toBe(true);
      expect({ opened: defect.opened, reopened: defect.reopened, resolved: defect.resolved }, defect.name).toEqual({ opened: 1, reopened: 0, resolved: 1 });
      expect(defect.runsToDetect, defect.name).toBeLessThanOrEqual(RUNS_TO_DETECT);
    }
  });
});
