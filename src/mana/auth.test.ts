/** @module Posting to mana-auth: any 2xx is delivered whatever its body, a 400 parks, the persona check's 404 ends, the rest retry. */
import { describe, expect, it } from "vitest";
import { createManaAuth } from "./auth";

const row = { tickId: "t", toolName: "todo.create", result: "ok" as const };

function answering(status: number, body: string, headers: Record<string, string> = {}) {
  return createManaAuth("http://auth.test", "key", async () => new Response(body, { status, headers }));
}

describe("posting actions and feedback", () => {
  it.each([
    ["a plain OK", "OK"],
    ["a gateway's HTML page", "<html><body>Accepted by the edge</body></html>"],
    ["JSON longer than 300 characters", JSON.stringify({ ok: true, written: 1, note: "x".repeat(400) })],
    ["fields mana-auth may add later", JSON.stringify({ ok: true, written: 1, requestId: "r-1", warnings: [] })],
    ["an empty body", ""],
  ])("takes any 2xx as the acknowledgement, whatever its body: %s", async (_, body) => {
    expect(await answering(200, body).postActions("u", [row])).toMatchObject({ kind: "delivered" });
    expect(await answering(201, body).postFeedback("u", [{ tickId: "t", module: "todo", rating: 4 }])).toMatchObject({ kind: "delivered" });
  });

  it("reads mana-auth's written count when the body has one", async () => {
    expect(await answering(200, '{"ok":true,"written":3}').postActions("u", [row])).toEqual({ kind: "delivered", written: 3 });
  });

  it("parks a 400 (the batch itself), ends on the persona check's 404, retries everything else", async () => {
    expect(await answering(400, '{"error":"Invalid JSON"}').postActions("u", [row])).toMatchObject({ kind: "rejected" });
    expect(await answering(404, '{"error":"Persona not found"}').postActions("u", [row])).toMatchObject({ kind: "gone" });
    expect(await answering(404, "404 Not Found").postActions("u", [row])).toMatchObject({ kind: "retry" });
    expect(await answering(401, '{"statusCode":401}').postActions("u", [row])).toMatchObject({ kind: "retry" });
  });
});
