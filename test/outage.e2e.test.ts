/** @module Outages on a faked clock: mana-mcp or mana-auth's login down opens one finding from several personas and a probe, not one per persona, and resolves once the service answers again. */
import { SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FindingsList } from "../src/findings/findings";
import { defects, diagTick, freshWorld, send, stackJson } from "./helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A Wednesday after midnight UTC, before the digest hour; fake time stays behind real time, so alarms fire at once. */
const START = Date.parse("2026-11-04T00:30:00.000Z");

interface WebhookMessage {
  body: { text?: string };
}

beforeEach(async () => {
  await freshWorld();
  vi.useFakeTimers({ toFake: ["Date"], now: START, shouldAdvanceTime: true });
  await stackJson("/__stack/auth/clock", send("PUT", { now: null }));
});
afterEach(() => vi.useRealTimers());

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
const findingsNow = async () => (await (await SELF.fetch("http://runner.test/findings")).json()) as FindingsList;
const messages = async () => (await stackJson<{ messages: WebhookMessage[] }>("/__stack/webhook/messages")).messages;
const aboutFinding = (all: WebhookMessage[], id: string) => all.filter((message) => message.body.text?.endsWith(`Finding \`${id}\``));

/** Ticks once a minute for `minutes`; answers the open findings after each tick. */
async function minutes(count: number): Promise<FindingsList[]> {
  const seen: FindingsList[] = [];
  for (let i = 0; i < count; i++) {
    advance(MINUTE);
    await diagTick();
    seen.push(await findingsNow());
  }
  return seen;
}

async function waitForMessages(atLeast: number): Promise<WebhookMessage[]> {
  await stackJson(`/__stack/webhook/received?atLeast=${atLeast}&waitMs=20000`);
  return messages();
}

describe.each([
  { service: "mana-mcp", down: () => defects.mcp({ down: true }), up: () => defects.mcp({ down: null }) },
  { service: "mana-auth", down: () => defects.auth({ loginDown: true }), up: () => defects.auth({ loginDown: null }) },
])("$service down for twenty minutes", ({ service, down, up }) => {
  it("opens one finding within minutes, none per persona, and one message each way once it answers again", { timeout: 120_000 }, async () => {
    await diagTick();
    // The catalog's personas are daily: a day later every one of them is due again.
    advance(25 * HOUR);
    await down();
    const tick = await diagTick();
    expect(tick.result.failed.length, "every due persona failed before it started").toBe(10);
    const during = [await findingsNow(), ...(await minutes(20))];
    const id = `service-down:${service}`;
    expect(during[0]?.open.map((finding) => finding.id)).toEqual([id]);
    expect(new Set(during.flatMap((list) => list.open.map((finding) => finding.id)))).toEqual(new Set([id]));
    const finding = during[0]?.open[0];
    expect(finding?.verdict.personas?.length).toBe(10);

    await up();
    const after = await minutes(45);
    expect(after.at(-1)?.open).toEqual([]);
    expect(after.at(-1)?.resolved.map((each) => each.id)).toEqual([id]);
    const all = aboutFinding(await waitForMessages(2), id);
    expect(all.map((message) => message.body.text?.split("\n")[0])).toEqual([`:red_circle: *Finding opened:* ${service} is down`, `:white_check_mark: *Finding resolved:* ${service} is down (open since 2026-11-05 01:30 UTC)`]);
  });
});
