/** @module The findings object's cost at scale: a module's rating drop is judged once per share of its raters, and the heartbeat judges what waits. */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../env";
import type { RunEvidence } from "./evidence";
import type { EvidenceStore } from "./evidence-store";
import { Findings } from "./findings";

const runner = env as unknown as Env;
/** Before the digest hour, so no digest reads the ratings while the test counts reads. */
const NOW = Date.parse("2026-11-25T03:00:00Z");
const DAY = 24 * 3_600_000;

beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: NOW, shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

const rating = (n: number, value = 4, daysAgo = 0): RunEvidence => ({
  runId: `run-${n}-${daysAgo}`,
  userId: `user-${n}`,
  persona: `persona.p${n}@mana.test`,
  finishedAt: Date.now() - daysAgo * DAY,
  outcome: "succeeded",
  calls: [],
  checks: [],
  ratings: [{ module: "notes", rating: value }],
  usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
  costUsd: 0,
  durationMs: 1_000,
});

const freshFindings = () => runner.FINDINGS.get(runner.FINDINGS.idFromName(`findings-test-${crypto.randomUUID()}`));
const readsOf = (findings: Findings) => vi.spyOn((findings as unknown as { evidence: EvidenceStore }).evidence, "ratingPairs");
const openIds = (findings: Findings) => findings.list().open.map((finding) => finding.id);

describe("Findings: rating drops at scale", () => {
  it("judges every rating of a module up to a hundred raters, then once per hundredth of them; the heartbeat judges what waits", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      const reads = readsOf(findings);
      for (let n = 1; n <= 100; n++) findings.ingest(rating(n));
      expect(reads).toHaveBeenCalledTimes(100);
      // From 101 raters on every second rating is judged, from 201 every third: 50 + 34 judgements for 200 more.
      for (let n = 101; n <= 300; n++) findings.ingest(rating(n));
      expect(reads).toHaveBeenCalledTimes(184);
      findings.heartbeat();
      const settled = reads.mock.calls.length;
      findings.ingest(rating(301));
      expect(reads, "a rating that waits for its share").toHaveBeenCalledTimes(settled);
      findings.heartbeat();
      expect(reads, "the heartbeat judges the waiting rating").toHaveBeenCalledTimes(settled + 1);
      findings.heartbeat();
      expect(reads, "and nothing when nothing waits").toHaveBeenCalledTimes(settled + 1);
    });
  });

  it("a drop among 150 raters that waits for its share opens at the next heartbeat", async () => {
    await runInDurableObject(freshFindings(), async (findings: Findings) => {
      for (let n = 1; n <= 150; n++) findings.ingest(rating(n, 5, 2));
      findings.heartbeat();
      // 150 raters: every second rating is judged. Two personas rate 1 (judged, too few), a third waits.
      for (let n = 1; n <= 3; n++) findings.ingest(rating(n, 1));
      expect(openIds(findings)).toEqual([]);
      findings.heartbeat();
      expect(openIds(findings)).toEqual(["rating-drop:notes"]);
    });
  });

  it("after a restart, the first heartbeat judges every rated module, so ratings that waited are not forgotten", async () => {
    const stub = freshFindings();
    await runInDurableObject(stub, async (findings: Findings) => {
      for (let n = 1; n <= 150; n++) findings.ingest(rating(n, 5, 2));
      findings.heartbeat();
      for (let n = 1; n <= 3; n++) findings.ingest(rating(n, 1));
      expect(openIds(findings)).toEqual([]);
    });
    await runInDurableObject(stub, async (_, state) => {
      const restarted = new Findings(state, runner);
      restarted.heartbeat();
      expect(openIds(restarted)).toEqual(["rating-drop:notes"]);
    });
  });
});
