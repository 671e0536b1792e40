/** @module Alerts to a failing webhook: a 500 is retried with backoff until it answers, and a hanging one never slows or fails a run. */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { FindingsList } from "../src/findings/findings";
import { personaStub } from "../src/persona/wake";
import { diagTick, freshWorld, personaId, send, stackJson } from "./helpers";

// Real time here: a failing webhook's retries wait out their backoff, and the runtime keeps alarms in real time.
beforeEach(() => freshWorld());

interface WebhookMessage {
  at: string;
  body: { text?: string };
}

const runner: Env = env;
const findings = async () => (await (await SELF.fetch("http://runner.test/findings")).json()) as FindingsList;
const webhookMode = (mode: unknown) => stackJson("/__stack/webhook/mode", send("PUT", mode));
const received = async (count: number) => {
  await stackJson(`/__stack/webhook/received?atLeast=${count}&waitMs=20000`);
  return (await stackJson<{ messages: WebhookMessage[] }>("/__stack/webhook/messages")).messages;
};

/** One tick with every pulling read tool failing opens findings (and their alerts) while the runs go on. */
async function tickThatOpensFindings() {
  await stackJson("/__stack/mcp/defects", send("PUT", { syncPullShape: true }));
  const tick = await diagTick();
  expect(tick.result).toMatchObject({ ranSuccessfully: 10, failed: [] });
  expect((await findings()).open.flatMap((finding) => finding.verdict.tools ?? [])).toContain("notes.search");
}

/** A manual run of one persona, start to finish. */
async function runNow(name: string) {
  const userId = await personaId(name);
  const started = (await (await SELF.fetch(`http://runner.test/personas/${userId}/run`, { method: "POST" })).json()) as { runId: string };
  return personaStub(runner, userId).runPhase(started.runId, 30_000);
}

describe("a webhook that fails", () => {
  it("answering 500 is retried with backoff until it answers, and runs meanwhile go on undisturbed", async () => {
    await webhookMode({ mode: "fail", status: 500 });
    await tickThatOpensFindings();
    const count = (await findings()).open.length;
    // Message by message until one arrived a second time: the retry of a failed attempt.
    let all = await received(count);
    const retried = () => all.find((message, index) => all.findIndex((other) => other.body.text === message.body.text) !== index);
    for (let seen = all.length; !retried() && seen < 50; seen++) all = await received(seen + 1);
    const attempts = all.filter((message) => message.body.text === retried()?.body.text);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(attempts[1]?.at ?? "") - Date.parse(attempts[0]?.at ?? "")).toBeGreaterThanOrEqual(1_000);
    // Every open finding's message still waits; so may the day's digest, once its hour of the real day has come.
    const { open, alerts } = await findings();
    expect(alerts.lastError).toBe("webhook answered HTTP 500");
    expect(alerts.pending).toBeGreaterThanOrEqual(open.length);
    expect(alerts.pending, "one message per finding, plus at most the digest").toBeLessThanOrEqual(open.length + 1);
    expect(await runNow("Ben")).toMatchObject({ phase: "succeeded" });

    await webhookMode({ mode: "ok" });
    for (let seen = all.length; (await findings()).alerts.pending > 0; seen++) await received(seen + 1);
    expect((await findings()).alerts).toEqual({ pending: 0 });
  });

  it("hanging never slows or fails a run: a run starts and finishes while an alert attempt is still under way", async () => {
    await webhookMode({ mode: "hang" });
    await tickThatOpensFindings();
    await received(1);
    expect(await runNow("Ben")).toMatchObject({ phase: "succeeded" });
    // The attempt the webhook holds has not ended: no failure recorded yet, its message still waits.
    const { alerts } = await findings();
    expect(alerts.pending).toBeGreaterThan(0);
    expect(alerts.lastError).toBeUndefined();
    await webhookMode({ mode: "ok" });
  });
});
