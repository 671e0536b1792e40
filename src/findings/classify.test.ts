/** @module The origin of a failed call, from the real mana-mcp's error texts: the model's, the app's, or the wire's. */
import { describe, expect, it } from "vitest";
import { classify, isServerSide } from "./classify";

describe("classify", () => {
  it.each([
    ["input", 'MCP error -32602: Input validation error: Invalid arguments for tool todo.create: [\n  {\n    "code": "invalid_type",\n    "path": ["title"]\n  }\n]'],
    ["input", "Invalid input for todo.complete: id: Invalid uuid"],
    ["unknown-tool", "MCP error -32602: Tool todo.delete not found"],
    ["policy", "Tool todo.create not allowed: rate-limit-exceeded: Tool todo.create wurde im letzten 60s-Fenster 30× aufgerufen (Limit 30)."],
    ["not-found", "Tool todo.complete failed: todo 7c9e6679-7425-40de-944b-e07fc1f90ae7 not found"],
    ["not-found", "Tool augur.resolveSign failed: sign does not exist"],
    ["app", 'Tool todo.list failed: mana-auth /encryption-vault/key failed: HTTP 404 — {"error":"vault not initialised","code":"VAULT_NOT_INITIALISED"}'],
    ["app", "Tool spaces.list failed: mana-auth /organization/list failed: 401 Unauthorized"],
    ["app", "Tool todo.list failed: undefined is not an object (evaluating '(await pullAll(…)).changes.filter')"],
    ["app", "Tool habits.create failed: mana-sync push failed: 504 Gateway Timeout — upstream request timeout"],
    ["app", "Tool notes.create failed: mana-sync push failed: row 8f3a1c2e-1111-4222-8333-944455556666 rejected at 2026-11-28T09:00:01Z (HTTP 500, request 4711)"],
    ["timeout", "reply lost, effect unknown: MCP error -32001: Request timed out"],
    ["timeout", "Tool mood.log failed: operation timed out"],
    ["transport", "mana-mcp answered HTTP 503, effect unknown: Streamable HTTP error: Error POSTing to endpoint (HTTP 503)"],
    ["transport", "reply lost, effect unknown: terminated"],
    ["transport", "interrupted: the runner restarted during this call; it may or may not have run"],
  ])("%s: %s", (origin, error) => expect(classify(error)).toBe(origin));

  it("calls a message of no known shape the app's", () => expect(classify("something odd happened")).toBe("app"));
});

describe("isServerSide", () => {
  it("tells a service's failure from a refusal", () => {
    expect(isServerSide("login failed: 503 SERVICE_UNAVAILABLE")).toBe(true);
    expect(isServerSide("mcp session: Streamable HTTP error: Error POSTing to endpoint (HTTP 502): Bad Gateway")).toBe(true);
    expect(isServerSide("gave up after 6 attempts: mcp session: fetch failed")).toBe(true);
    expect(isServerSide("login rejected with 401 INVALID_CREDENTIALS: PERSONA_SEED_SECRET most likely differs")).toBe(false);
    expect(isServerSide("space via memberships: user u1 has no space")).toBe(false);
  });
});
