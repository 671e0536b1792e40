/** @module The stand-in webhook receiver: records messages on arrival, answers per mode (ok, fail, hang), and waits for arrival counts. */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";

const stack = env.STACK;
const WEBHOOK = "http://stack.test/__stack/webhook";

type Json = Record<string, any>;

const control = (path: string, init: RequestInit = {}) => stack.fetch(`${WEBHOOK}/${path}`, init);
const setMode = (body: unknown) => control("mode", { method: "PUT", body: JSON.stringify(body) });
const received = async (query: string): Promise<Json> => (await control(`received?${query}`)).json();
const messages = async (): Promise<Json[]> => ((await (await control("messages")).json()) as Json).messages;
const alert = (body: unknown) =>
  stack.fetch(WEBHOOK, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeEach(async () => {
  await stack.fetch("http://stack.test/__stack/reset", { method: "POST" });
});

describe("webhook receiver", () => {
  it("records each message on arrival and answers 200 `ok` as text, like Slack", async () => {
    const response = await alert({ text: "Anna: 3 Fehler in Folge" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("ok");
    await stack.fetch(WEBHOOK, { method: "POST", headers: { "content-type": "text/plain" }, body: "kein JSON" });
    expect(await messages()).toEqual([
      { at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), contentType: "application/json", body: { text: "Anna: 3 Fehler in Folge" } },
      { at: expect.any(String), contentType: "text/plain", body: "kein JSON" },
    ]);
  });

  it("answers the count as soon as enough messages arrived, or the count so far after waitMs", async () => {
    const two = received("atLeast=2");
    await alert({ n: 1 });
    await alert({ n: 2 });
    expect(await two).toEqual({ count: 2 });
    expect(await received("atLeast=3&waitMs=10")).toEqual({ count: 2 });
    expect((await messages()).map((message) => message.body.n)).toEqual([1, 2]);
  });

  it("fail: answers the configured status (500 unless given) and still records the message", async () => {
    expect(await (await setMode({ mode: "fail" })).json()).toEqual({ mode: "fail", status: 500 });
    expect((await alert({ n: 1 })).status).toBe(500);
    await setMode({ mode: "fail", status: 429 });
    expect((await alert({ n: 2 })).status).toBe(429);
    await setMode({ mode: "ok" });
    expect((await alert({ n: 3 })).status).toBe(200);
    expect(await messages()).toHaveLength(3);
  });

  it("hang: holds the request, recorded on arrival, until the mode changes, then answers as the new mode", async () => {
    await setMode({ mode: "hang" });
    let answered = false;
    const pending = alert({ text: "hängt" }).then((response) => {
      answered = true;
      return response;
    });
    expect(await received("atLeast=1")).toEqual({ count: 1 });
    await setMode({ mode: "hang" });
    await messages();
    expect(answered).toBe(false);
    await setMode({ mode: "fail", status: 503 });
    expect((await pending).status).toBe(503);
  });

  it("hang: a reset answers the held request with 200 and forgets the messages", async () => {
    await setMode({ mode: "hang" });
    const pending = alert({ text: "hängt" });
    await received("atLeast=1");
    await stack.fetch("http://stack.test/__stack/reset", { method: "POST" });
    expect(await (await pending).text()).toBe("ok");
    expect(await messages()).toEqual([]);
    expect((await alert({ text: "wieder da" })).status).toBe(200);
  });

  it.each([
    [{ mode: "explode" }, /^mode: /],
    [{ mode: "fail", status: 200 }, /^status: /],
    [{ mode: "ok", status: 500 }, /status/],
  ])("refuses the mode %j with 400 naming the field", async (body, message) => {
    const response = await setMode(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(message);
  });

  it("refuses a wait longer than a minute, naming the parameter", async () => {
    const response = await control("received?waitMs=60001");
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(/^waitMs: /);
  });
});
