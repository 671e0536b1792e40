/** @module What an operator's browser and curl get where there is nothing to show: pages past the end, unknown runs and personas, and the manual run's answers. */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { PersonaRunner } from "../src/persona/runner";
import { RunStore } from "../src/persona/store";
import { personaStub } from "../src/persona/wake";
import { diagTick, finishedRun, freshWorld, gates, personaId } from "./helpers";

beforeEach(() => freshWorld());

const get = (path: string) => SELF.fetch(`http://runner.test${path}`);

async function expectHtml(response: Response, status: number, ...parts: string[]): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  const page = await response.text();
  for (const part of parts) expect(page).toContain(part);
}

describe("pages with nothing to show answer HTML with a way back", () => {
  it("says a page past the end of the persona list is past the end and links to the last page", async () => {
    await diagTick();
    await expectHtml(await get("/?sort=email&page=99"), 404, "No page 99", "1 page of 50 (10 personas)", 'href="/?sort=email&amp;page=1"');
  });

  it("says what is wrong with a page number that is no page", async () => {
    await expectHtml(await get("/?page=0"), 400, "No such page", "page:", 'href="/"');
  });

  it("tells an unknown persona from an unknown run of a known one", async () => {
    await diagTick();
    await expectHtml(await get("/runs/no-such-persona/some-run"), 404, "No such persona", "no-such-persona", 'href="/"');
    const anna = await personaId("Anna");
    await expectHtml(await get(`/runs/${anna}/no-such-run`), 404, "No such run", "persona.anna@mana.test has no run no-such-run", 'href="/"');
  });
});

describe("a manual run's answers say where the run stands in one vocabulary, its phase", () => {
  it("answers queued at once, and the phase it ended in when asked to wait", async () => {
    await diagTick();
    const anna = await personaId("Anna");
    const started = await SELF.fetch(`http://runner.test/personas/${anna}/run`, { method: "POST" });
    expect(started.status).toBe(202);
    expect(await started.json()).toEqual({ runId: expect.stringContaining(anna), phase: "queued" });

    const ben = await personaId("Ben");
    const waited = await SELF.fetch(`http://runner.test/personas/${ben}/run?waitMs=60000`, { method: "POST" });
    expect(waited.status).toBe(200);
    const answer = (await waited.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ runId: expect.stringContaining(ben), phase: "succeeded", attempts: 1 });
    expect(answer).not.toHaveProperty("status");
  });

  it("refuses a second run while the first is in progress, with the reason as an error", async () => {
    await diagTick();
    const anna = await personaId("Anna");
    await gates.claude.hold();
    const first = (await (await SELF.fetch(`http://runner.test/personas/${anna}/run`, { method: "POST" })).json()) as { runId: string };
    await gates.claude.held();
    const second = await SELF.fetch(`http://runner.test/personas/${anna}/run`, { method: "POST" });
    await gates.claude.release();
    expect(second.status).toBe(409);
    expect(await second.json()).toEqual({ error: `busy: run ${first.runId} in progress` });
  });

  it("answers a run as ended only once the alarm that finished it has delivered its results", async () => {
    const stub = personaStub(env, "settling-probe");
    await runInDurableObject(stub, async (instance: PersonaRunner, state) => {
      new RunStore(state.storage.sql).saveHeader(finishedRun("settling-run", "settling-probe", Date.UTC(2026, 10, 25, 9)));
      // The alarm that finished the run is still under way, delivering its evidence and summary.
      const alarm = instance as unknown as { alarmRunId?: string; alarmEnded: { fire(): void } };
      alarm.alarmRunId = "settling-run";
      let answered = false;
      const answer = instance.runPhase("settling-run", 30_000).then((phase) => {
        answered = true;
        return phase;
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(answered).toBe(false);
      alarm.alarmRunId = undefined;
      alarm.alarmEnded.fire();
      expect(await answer).toMatchObject({ phase: "succeeded", attempts: 1 });
    });
  });
});
