/** @module Findings end to end on a faked clock: a healthy day opens none; each stand-in defect opens its finding, resolves, alerts once each way. */
import { env, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Finding } from "../src/findings/lifecycle";
import type { RunDetail } from "../src/persona/runner";
import { personaStub } from "../src/persona/wake";
import { diagTick, findingsNow, freshWorldOnFakeClock, personaId, send, stackJson } from "./helpers";
import { runsOf } from "./invariants";

const runner: Env = env;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/**
 * A Wednesday, half past midnight UTC: a whole day of ticks lies ahead, the digest hour (08 UTC) among them. Fake
 * time stays behind real time, so the objects' alarms, which the runtime fires by real time, are due at once.
 */
const START = Date.parse("2026-11-04T00:30:00.000Z");
const RECOVERY = 30 * MINUTE;

interface WebhookMessage {
  at: string;
  body: { text?: string };
}

beforeEach(() => freshWorldOnFakeClock(START));
afterEach(() => vi.useRealTimers());

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
const openFinding = async (id: string) => (await findingsNow()).open.find((finding) => finding.id === id);
const mcpDefects = (body: unknown) => stackJson("/__stack/mcp/defects", send("PUT", body));
const messages = async () => (await stackJson<{ messages: WebhookMessage[] }>("/__stack/webhook/messages")).messages;
const about = (all: WebhookMessage[], text: string) => all.filter((message) => message.body.text?.includes(text));

/** Waits for the webhook to have received `count` messages, without polling. */
async function received(count: number): Promise<WebhookMessage[]> {
  await stackJson(`/__stack/webhook/received?atLeast=${count}&waitMs=20000`);
  return messages();
}

/** Waits, message by message, until one containing `text` has arrived; answers every message so far. */
async function messageWith(text: string): Promise<WebhookMessage[]> {
  for (let count = (await messages()).length; ; count++) {
    const all = await messages();
    if (about(all, text).length > 0) return all;
    if (count > 100) throw new Error(`no message with ${text}`);
    await received(count + 1);
  }
}

/** The messages about one finding: each names its finding's id on its last line. */
const aboutFinding = (all: WebhookMessage[], id: string) => all.filter((message) => message.body.text?.endsWith(`Finding \`${id}\``));

/** Exactly one message when the finding opened, with its evidence and an example run, and one when it resolved. */
async function expectOneAlertEachWay(id: string): Promise<void> {
  const resolved = (message: WebhookMessage) => message.body.text?.includes("Finding resolved:*") === true;
  let all = await messages();
  for (let count = all.length; !aboutFinding(all, id).some(resolved); count++) {
    if (count > 200) throw new Error(`no resolve message for ${id}`);
    all = await received(count + 1);
  }
  const mine = aboutFinding(all, id);
  const opened = mine.filter((message) => message.body.text?.includes("Finding opened:*"));
  expect(opened, `open messages for ${id}`).toHaveLength(1);
  expect(opened[0]?.body.text).toMatch(/<http:\/\/runner\.test\/runs\/\w+\/[^|]+\|persona\.\w+@mana\.test at /);
  expect(mine.filter(resolved), `resolve messages for ${id}`).toHaveLength(1);
  expect(mine, `messages about ${id}`).toHaveLength(2);
}

/** A day later, a tick: every catalog persona runs again. */
async function nextDay(): Promise<void> {
  advance(25 * HOUR);
  await diagTick();
}

/** Runs one persona now, a minute after the last (one manual run per minute is the rule), and waits for it. */
async function runNow(name: string): Promise<RunDetail> {
  advance(MINUTE);
  const userId = await personaId(name);
  const response = await SELF.fetch(`http://runner.test/personas/${userId}/run`, { method: "POST" });
  const answer = (await response.json()) as { runId: string };
  const { runId } = answer;
  await personaStub(runner, userId).runPhase(runId, 30_000);
  const run = (await runsOf(userId)).find((candidate) => candidate.runId === runId);
  if (!run) throw new Error(`run ${runId} of ${name} not found`);
  return run;
}

/** Runs `name` until the finding opens; answers it and the number of runs it took. */
async function runUntilOpen(name: string, id: string, maxRuns = 8): Promise<{ finding: Finding; runs: RunDetail[] }> {
  const runs: RunDetail[] = [];
  for (let i = 0; i < maxRuns; i++) {
    runs.push(await runNow(name));
    const finding = await openFinding(id);
    if (finding) return { finding, runs };
  }
  throw new Error(`${id} did not open within ${maxRuns} runs of ${name}`);
}

/**
 * Resolves the finding: `more` adds evidence (a persona's run, a day's tick) until the condition clears and enough
 * good evidence has come to settle it; each time it is clearing, it must stay open through the recovery period and
 * resolve at the first tick after it.
 */
async function resolveAfterRecovery(id: string, more: () => Promise<unknown>): Promise<Finding> {
  for (let step = 0; step < 40 && (await openFinding(id)); step++) {
    if ((await openFinding(id))?.clearSince !== undefined) {
      advance(RECOVERY / 2);
      await diagTick();
      expect(await openFinding(id), `${id} stays open within the recovery period`).toBeDefined();
      advance(RECOVERY / 2 + MINUTE);
      await diagTick();
      if (!(await openFinding(id))) break;
    }
    await more();
  }
  const resolved = (await findingsNow()).resolved.find((finding) => finding.id === id);
  expect(resolved, `${id} resolved`).toMatchObject({ state: "resolved" });
  return resolved as Finding;
}

const html = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The finding heads the status page, above the runner's state, with a link to its example run. */
async function expectOnTopOfStatusPage(finding: Finding | undefined): Promise<void> {
  if (!finding) throw new Error("no open finding");
  const page = await (await SELF.fetch("http://runner.test/")).text();
  const at = page.indexOf(html(finding.verdict.title));
  expect(at, `${finding.id} on the status page`).toBeGreaterThan(-1);
  expect(at).toBeLessThan(page.indexOf("<h2>Runner</h2>"));
  const example = finding.verdict.examples[0];
  expect(page).toContain(`href="/runs/${example?.userId}/${encodeURIComponent(example?.runId ?? "")}"`);
}

const failedCalls = (runs: RunDetail[], tool: string) =>
  runs.flatMap((run) => run.transcript.conversation.actions).filter((action) => action.toolName === tool && action.result === "error").length;

describe("a healthy stand-in stack", () => {
  it("opens no finding in a simulated day of ticks, sends no alert, and sends the digest once at its hour", async () => {
    let ran = 0;
    for (let hour = 0; hour < 24; hour++) {
      vi.setSystemTime(START + hour * HOUR);
      ran += (await diagTick()).result.ranSuccessfully;
    }
    expect(ran).toBe(10);
    expect(await findingsNow()).toMatchObject({ open: [], resolved: [] });
    const all = await received(1);
    expect(all).toHaveLength(1);
    expect(all[0]?.body.text).toMatch(/^:bar_chart: \*Persona runner digest for 2026-11-04\*/);
    expect(all[0]?.body.text).toContain("Runs in the last day: 10 succeeded, 0 failed");
    expect(all[0]?.body.text).toContain("0 open findings.");
    expect(Date.parse(all[0]?.at ?? "")).toBeGreaterThanOrEqual(Date.parse("2026-11-04T08:00:00Z"));
  });
});

describe("each defect mode of the stand-in opens its finding", () => {
  it("one tool failing on every call: 'tool failing' with one normalised signature, on top of the status page, one alert each way", async () => {
    await diagTick();
    await mcpDefects({ failingTool: { tool: "notes.create" } });
    const { finding, runs } = await runUntilOpen("Kai", "tool-failing:notes.create");
    // Within one run of enough evidence: four failed calls in a row open it (Kai creates one note a run that day).
    expect(failedCalls(runs.slice(0, -1), "notes.create")).toBeLessThan(4);
    expect(finding.verdict.signatures).toEqual([
      { signature: "Tool notes.create failed: mana-sync push failed: row <uuid> rejected at <time> (HTTP 500, request <n>)", count: failedCalls(runs, "notes.create") },
    ]);
    const example = finding.verdict.examples[0];
    expect(example?.persona).toBe("persona.kai@mana.test");

    await expectOnTopOfStatusPage(finding);
    const metrics = await (await SELF.fetch("http://runner.test/metrics")).text();
    expect(metrics).toContain('persona_findings_open{kind="tool-failing"} 1');

    const [opened] = about(await received(1), "Finding opened:* notes.create is failing");
    expect(opened?.body.text).toContain(finding.verdict.summary);
    expect(opened?.body.text).toContain("`Tool notes.create failed: mana-sync push failed: row &lt;uuid&gt;");
    expect(opened?.body.text).toContain(`<http://runner.test/runs/${example?.userId}/`);

    await runNow("Kai");
    await mcpDefects({ failingTool: null });
    const resolved = await resolveAfterRecovery("tool-failing:notes.create", () => runNow("Kai"));
    await expectOneAlertEachWay("tool-failing:notes.create");
    expect(resolved.occurrence).toBe(1);
  });

  it("read tools failing on the sync pull shape: one finding for the shared cause, naming the read tools; verification's reads fail", async () => {
    await mcpDefects({ syncPullShape: true });
    await diagTick();
    const { open } = await findingsNow();
    expect(open, "one finding for one cause").toHaveLength(1);
    const finding = open[0];
    expect(finding?.kind).toBe("tool-failing");
    expect(finding?.verdict.title).toMatch(/ fail alike$/);
    expect(finding?.verdict.tools).toEqual(expect.arrayContaining(["notes.search", "todo.list"]));
    await expectOnTopOfStatusPage(finding);
    expect(finding?.verdict.signatures[0]?.signature).toMatch(/^Tool [\w.]+ failed: undefined is not an object \(evaluating '\(await pullAll\(…\)\)\.changes\.filter'\)$/);
    const [run] = await runsOf(await personaId("Kai"));
    expect(run?.transcript.verification.flatMap((step) => step.checks.map((check) => check.status))).toContain("read failed");

    await mcpDefects({ syncPullShape: null });
    // Clearing needs the failed tools called again, cleanly, many times: habits.list, the rarest, may take days.
    await resolveAfterRecovery(finding?.id ?? "", nextDay);
    await expectOneAlertEachWay(finding?.id ?? "");
  });

  it("writes that answer ok but never appear in reads: one 'write not visible' for every write tool it hits", async () => {
    await mcpDefects({ echoExclusion: true });
    await diagTick();
    const { open } = await findingsNow();
    expect(open, "one finding for one cause").toHaveLength(1);
    const finding = open[0];
    expect(finding?.kind).toBe("write-not-visible");
    expect(finding?.verdict.tools).toEqual(expect.arrayContaining(["notes.create"]));
    await expectOnTopOfStatusPage(finding);
    expect(finding?.verdict.signatures[0]?.signature).toMatch(/^missing: no entity with id <uuid> in the read$/);

    await mcpDefects({ echoExclusion: null });
    await resolveAfterRecovery(finding?.id ?? "", nextDay);
    await expectOneAlertEachWay(finding?.id ?? "");
  });

  it("a persona without an encryption vault: a finding for that persona, none for the tools the others use fine", async () => {
    const anna = await personaId("Anna");
    await mcpDefects({ noVault: { userIds: [anna] } });
    await diagTick();
    expect((await findingsNow()).open, "one run never opens a finding on its own").toEqual([]);
    await runNow("Anna");
    const { open } = await findingsNow();
    expect(open.map((finding) => finding.id)).toEqual([`persona-tools-failing:${anna}`]);
    expect(open[0]?.verdict.title).toBe("persona.anna@mana.test's calls are failing");
    await expectOnTopOfStatusPage(open[0]);
    expect(open[0]?.verdict.signatures[0]?.signature).toMatch(/encryption-vault\/key failed: HTTP 404 — \{"error":"vault not initialised"/);

    await mcpDefects({ noVault: null });
    await resolveAfterRecovery(`persona-tools-failing:${anna}`, () => runNow("Anna"));
    await expectOneAlertEachWay(`persona-tools-failing:${anna}`);
  });

  it("personas rating one module lower from a given day on: 'rating dropped', last day against the trailing week", { timeout: 120_000 }, async () => {
    // Eight days of daily runs, 25 hours apart so each day's run falls in its own last-day window.
    for (let day = 0; day < 7; day++) {
      vi.setSystemTime(START + day * 25 * HOUR);
      await diagTick();
    }
    expect((await findingsNow()).open).toEqual([]);
    vi.setSystemTime(START + 7 * 25 * HOUR);
    await stackJson("/__stack/claude/defects", send("PUT", { ratingDrop: { module: "notes", from: new Date().toISOString().slice(0, 10) } }));
    await diagTick();
    const finding = await openFinding("rating-drop:notes");
    await expectOnTopOfStatusPage(finding);
    expect(finding?.verdict.summary).toMatch(/^\d+ personas rated notes \d\.\d\d lower on average over the last day than over the seven days before \(1\.00 against \d\.\d\d\)$/);
    expect(finding?.verdict.examples.length).toBeGreaterThan(0);

    await stackJson("/__stack/claude/defects", send("PUT", { ratingDrop: null }));
    vi.setSystemTime(START + 8 * 25 * HOUR);
    await diagTick();
    await resolveAfterRecovery("rating-drop:notes", nextDay);
    await expectOneAlertEachWay("rating-drop:notes");
  });

  it("a persona failing before its run starts while the others' runs start: 'setup failing' with the stage and the reason", async () => {
    await diagTick();
    await stackJson("/__stack/auth/faults", send("POST", { route: "login", status: 403, times: 2 }));
    for (let i = 0; i < 2; i++) await runNow("Anna");
    const id = `setup-failing:${await personaId("Anna")}`;
    expect(await openFinding(id), "nobody else has started since: not yet an outlier").toBeUndefined();
    await runNow("Ben");
    expect(await openFinding(id)).toBeUndefined();
    // Anna's failures came before the others' runs: judged when the second of them arrives, not a minute later.
    await runNow("Tom");
    const finding = await openFinding(id);
    if (!finding) throw new Error(`${id} did not open once two other personas' runs started`);
    expect(finding.verdict.signatures).toEqual([{ signature: "login: login failed: 403 EMAIL_NOT_VERIFIED", count: 2 }]);
    await expectOnTopOfStatusPage(finding);
    await resolveAfterRecovery(finding.id, () => runNow("Anna"));
    await expectOneAlertEachWay(finding.id);
  });
});

describe("acknowledging a finding", () => {
  it("mutes it until it resolves: its waiting 'opened' message is never sent, the resolution is", async () => {
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "fail", status: 500 }));
    await diagTick();
    await mcpDefects({ failingTool: { tool: "notes.create" } });
    const { finding } = await runUntilOpen("Kai", "tool-failing:notes.create");
    const failedAttempts = (await received(1)).length;
    const ack = await SELF.fetch(`http://runner.test/findings/${encodeURIComponent(finding.id)}/ack`, { method: "POST" });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ id: finding.id, ackedAt: expect.any(Number) });
    // The webhook answers again and the message's backoff is long over: an unmuted message would go out now.
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "ok" }));
    advance(HOUR);
    await diagTick();
    await runNow("Kai");
    await mcpDefects({ failingTool: null });
    await resolveAfterRecovery(finding.id, () => runNow("Kai"));
    const all = await messageWith("Finding resolved:* notes.create is failing");
    const afterAck = all.slice(failedAttempts);
    expect(afterAck.map((message) => message.body.text?.split("\n")[0])).toEqual([expect.stringMatching(/^:white_check_mark: \*Finding resolved:\* notes.create is failing \(open since 2026-11-04 00:\d\d UTC\)$/)]);
    expect((await findingsNow()).alerts.pending).toBe(0);
    expect((await SELF.fetch("http://runner.test/findings/tool-failing:nothing/ack", { method: "POST" })).status).toBe(404);
    const bad = await SELF.fetch("http://runner.test/findings?limit=0&offset=x");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/^limit: .*; offset: /) });
  });
});
