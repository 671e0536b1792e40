/** @module One alert attempt against the stand-in webhook: a hanging webhook ends the attempt at its timeout. */
import { afterEach, describe, expect, it } from "vitest";
import { send, stack, stackJson } from "../../test/helpers";
import { postAlert } from "./webhook";

const WEBHOOK = "http://stack.test/__stack/webhook";
const post = (timeoutMs: number) => postAlert((input, init) => stack.fetch(input, init), WEBHOOK, { text: "probe" }, timeoutMs);

afterEach(() => stackJson("/__stack/reset", send("POST")));

describe("postAlert", () => {
  it("ends an attempt the webhook holds at its timeout, as a failure for the outbox to retry", async () => {
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "hang" }));
    expect(await post(200)).toEqual({ ok: false, error: expect.stringMatching(/timed? ?out|abort/i) });
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "ok" }));
    expect(await post(200)).toEqual({ ok: true });
  });

  it("names the status of an answer that is not a 2xx", async () => {
    await stackJson("/__stack/webhook/mode", send("PUT", { mode: "fail", status: 503 }));
    expect(await post(5_000)).toEqual({ ok: false, error: "webhook answered HTTP 503" });
  });
});
