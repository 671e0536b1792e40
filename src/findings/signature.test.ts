/** @module Error signatures: uuids, ids, numbers and times stripped so variants of one failure match; words and statuses kept. */
import { describe, expect, it } from "vitest";
import { signatureOf } from "./signature";

describe("signatureOf", () => {
  it("makes fifty variants of one failure one signature", () => {
    const a = signatureOf("Tool todo.create failed: mana-sync push failed: row 8f3a1c2e-1111-4222-8333-944455556666 rejected at 2026-11-28T09:00:01.123Z (HTTP 500, request 4711)");
    const b = signatureOf("Tool todo.create failed: mana-sync push failed: row 0b9d8e7f-aaaa-4bbb-8ccc-dddeeeff0000 rejected at 2026-11-29T17:45:59.001Z (HTTP 500, request 12)");
    expect(a).toBe(b);
    expect(a).toBe("Tool todo.create failed: mana-sync push failed: row <uuid> rejected at <time> (HTTP 500, request <n>)");
  });

  it("strips hex ids, mixed ids and dates but keeps the words and status codes", () => {
    expect(signatureOf("habit 8f3a9b2c4d not found on 2026-11-28")).toBe("habit <id> not found on <date>");
    expect(signatureOf("mana-auth /encryption-vault/key failed: HTTP 404 — vault not initialised")).toBe(
      "mana-auth /encryption-vault/key failed: HTTP 404 — vault not initialised",
    );
    expect(signatureOf("request req_01HX2Y3 timed out after 20000 ms")).toBe("request <id> timed out after <n> ms");
  });

  it("keeps signatures short", () => expect(signatureOf("x ".repeat(500)).length).toBeLessThanOrEqual(201));
});
