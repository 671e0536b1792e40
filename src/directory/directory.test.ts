/** @module The persona directory's writes: newer summaries win, a summary that only got older-looking writes nothing. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Directory } from "./directory";
import type { PersonaSummary } from "./summary";

const runner: Env = env;
const summary = (updatedAt: number, costTodayUsd = 0.02): PersonaSummary => ({
  userId: "u1",
  email: "persona.probe@mana.test",
  archetype: "probe",
  tickCadence: "daily",
  day: "2026-11-25",
  tokensToday: 1_000,
  costTodayUsd,
  updatedAt,
});

describe("Directory.upsert", () => {
  it("writes a changed summary, keeps a newer one over an older one, and skips one that differs only in its time", async () => {
    const stub = runner.DIRECTORY.get(runner.DIRECTORY.idFromName(`directory-test-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (directory: Directory) => {
      directory.upsert([summary(1_000)]);
      directory.upsert([summary(2_000)]);
      expect(directory.page().personas[0]?.updatedAt).toBe(1_000);
      directory.upsert([summary(3_000, 0.05)]);
      expect(directory.page().personas[0]).toMatchObject({ updatedAt: 3_000, costTodayUsd: 0.05 });
      directory.upsert([summary(2_500, 0.04)]);
      expect(directory.page().personas[0]).toMatchObject({ updatedAt: 3_000, costTodayUsd: 0.05 });
    });
  });
});
