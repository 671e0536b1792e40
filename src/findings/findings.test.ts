/** @module The findings object's cost at scale: a module's rating drop is judged once per share of its raters, and the heartbeat judges what waits. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Env } from "../env";
import type { RunEvidence } from "./evidence";
import type { EvidenceStore } from "./evidence-store";
import type { Findings } from "./findings";

const runner = env as unknown as Env;
const rated = (n: number): RunEvidence => ({
  runId: `run-${n}`,
  userId: `user-${n}`,
  persona: `persona.p${n}@mana.test`,
  finishedAt: Date.now(),
  outcome: "succeeded",
  calls: [],
  checks: [],
  ratings: [{ module: "notes", rating: 4 }],
  usage: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
  costUsd: 0,
  durationMs: 1_000,
});

describe("Findings: rating drops at scale", () => {
  it("judges every rating of a module up to a hundred raters, then once per hundredth of them; the heartbeat judges what waits", async () => {
    const stub = runner.FINDINGS.get(runner.FINDINGS.idFromName(`findings-test-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (findings: Findings) => {
      const evidence = (findings as unknown as { evidence: EvidenceStore }).evidence;
      const judged = vi.spyOn(evidence, "ratingPairs");
      for (let n = 1; n <= 100; n++) findings.ingest(rated(n));
      expect(judged).toHaveBeenCalledTimes(100);
      for (let n = 101; n <= 300; n++) findings.ingest(rated(n));
      // 101 raters: every second rating; 201 raters: every third.
      expect(judged.mock.calls.length).toBeGreaterThan(100 + 200 / 3);
      expect(judged.mock.calls.length).toBeLessThan(100 + 200 / 2 + 1);
      findings.heartbeat();
      const settled = judged.mock.calls.length;
      findings.ingest(rated(301));
      expect(judged, "a rating that waits for its share").toHaveBeenCalledTimes(settled);
      findings.heartbeat();
      expect(judged, "the heartbeat judges the waiting rating").toHaveBeenCalledTimes(settled + 1);
      findings.heartbeat();
      expect(judged, "and nothing when nothing waits").toHaveBeenCalledTimes(settled + 1);
    });
  });
});
