/** @module The mana-mcp stand-in through the MCP SDK client: auth envelope and sessions, tools per space, staged faults, holds, defect modes. */
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defects } from "../helpers";
import { mintAccessToken } from "./jwt";
import { NO_DEFECTS } from "./mcp/defects";
import { evenlySpread, failsAt, TransientNoise } from "./mcp/rates";
import { call, caller, type Json, login, sdkClient, textOf } from "./mcp-client";

/** The test worker's bindings (test/wrangler.test.toml, typed in test/worker-configuration.d.ts). */
const vars = env as TestEnv;

const ANNA = "persona.anna@mana.test";
/** A fixed instant behind real time, for the tests that move the clock. */
const PINNED = Date.parse("2026-11-24T09:00:00.000Z");
const BEN = "persona.ben@mana.test";
const MCP = "http://stack.test/mcp";
const ACCEPT = "application/json, text/event-stream";
const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "test", version: "1" } },
};

const control = (path: string, init: RequestInit = {}) => call(`http://stack.test/__stack/mcp/${path}`, init);
const stageFault = (fault: Json) => control("faults", { method: "POST", body: JSON.stringify(fault) });
const executions = async (): Promise<Json[]> => ((await (await control("executions")).json()) as Json).executions;
const records = async (kind: string, space = "space-anna"): Promise<Json[]> =>
  ((await (await control(`records?space=${space}&kind=${kind}`)).json()) as Json).records;
const heldCount = async (query: string): Promise<Json> => (await control(`held?${query}`)).json();
const release = async (): Promise<Json> => (await control("release", { method: "POST" })).json();
const putDefects = (body: unknown) => control("defects", { method: "PUT", body: JSON.stringify(body) });

function headers(token: string, space = "space-anna", extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, "x-mana-space": space, accept: ACCEPT, "content-type": "application/json", ...extra };
}

function post(body: unknown, init: Record<string, string>): Promise<Response> {
  return call(MCP, { method: "POST", headers: init, body: JSON.stringify(body) });
}

/** The JSON-RPC messages of an SSE reply, one per `event: message`. */
async function sseMessages(response: Response): Promise<Json[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)) as Json);
}

async function openRaw(token: string, space = "space-anna"): Promise<string> {
  const response = await post(INITIALIZE, headers(token, space));
  expect(response.status).toBe(200);
  const sessionId = response.headers.get("mcp-session-id") as string;
  await response.text();
  await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers(token, space, { "mcp-session-id": sessionId }));
  return sessionId;
}

async function callRaw(token: string, sessionId: string, name: string, args: Json, space = "space-anna"): Promise<Json> {
  const request = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } };
  const response = await post(request, headers(token, space, { "mcp-session-id": sessionId }));
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  return ((await sseMessages(response))[0] as Json).result;
}

const OFF = NO_DEFECTS;

beforeEach(async () => {
  await call("http://stack.test/__stack/reset", { method: "POST" });
});
afterEach(() => vi.useRealTimers());

describe("mana-mcp stand-in: the envelope", () => {
  it("answers 401 with the real wording for missing or bad credentials and a missing space", async () => {
    const { token } = await login(ANNA);
    const noAuth = await post(INITIALIZE, { accept: ACCEPT, "content-type": "application/json", "x-mana-space": "s" });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ error: "Missing or malformed Authorization header" });

    const opaque = await post(INITIALIZE, headers("opaque-session-token"));
    expect(opaque.status).toBe(401);
    expect(await opaque.json()).toEqual({ error: "Invalid token: Invalid Compact JWS" });

    const noSpace = await post(INITIALIZE, headers(token, ""));
    expect(noSpace.status).toBe(401);
    expect(((await noSpace.json()) as Json).error).toMatch(/^Missing X-Mana-Space header/);

    const sessionId = await openRaw(token);
    const { "x-mana-space": _space, ...withoutSpace } = headers(token, "space-anna", { "mcp-session-id": sessionId });
    const callWithoutSpace = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, withoutSpace);
    expect(callWithoutSpace.status).toBe(401);
    expect(((await callWithoutSpace.json()) as Json).error).toMatch(/^Missing X-Mana-Space header/);
  });

  it("opens a stateful session over SSE and answers notifications with 202", async () => {
    const { token } = await login(ANNA);
    const response = await post(INITIALIZE, headers(token));
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const sessionId = response.headers.get("mcp-session-id");
    expect(sessionId).toBeTruthy();
    const [message] = await sseMessages(response);
    expect(message?.result.protocolVersion).toBe("2025-11-25");
    expect(message?.result.capabilities).toEqual({ tools: { listChanged: true } });

    const note = await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers(token, "space-anna", { "mcp-session-id": sessionId as string }));
    expect(note.status).toBe(202);
    expect(await note.text()).toBe("");
  });

  it("needs the Accept and Content-Type the spec asks for", async () => {
    const { token } = await login(ANNA);
    expect((await post(INITIALIZE, headers(token, "s", { accept: "application/json" }))).status).toBe(406);
    expect((await post(INITIALIZE, headers(token, "s", { "content-type": "text/plain" }))).status).toBe(415);
  });

  it("rejects a call without a session as not initialized, an unknown session with 404, another user with 403", async () => {
    const anna = await login(ANNA);
    const ben = await login(BEN);
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

    const noSession = await post(list, headers(anna.token));
    expect(noSession.status).toBe(400);
    expect(JSON.stringify(await noSession.json())).toMatch(/Server not initialized/);

    const unknown = await post(list, headers(anna.token, "space-anna", { "mcp-session-id": "gone" }));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "Session not found" });
    const unknownStream = await call(MCP, { headers: headers(anna.token, "space-anna", { "mcp-session-id": "gone", accept: "text/event-stream" }) });
    expect(unknownStream.status).toBe(404);
    expect(await unknownStream.json()).toEqual({ error: "Session not found" });

    const sessionId = await openRaw(anna.token);
    const stolen = await post(list, headers(ben.token, "space-anna", { "mcp-session-id": sessionId }));
    expect(stolen.status).toBe(403);
  });

  it("forgets every session on restart and on DELETE, keeping the app data", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    await callRaw(token, sessionId, "todo.create", { title: "Milch kaufen" });
    await control("restart", { method: "POST" });
    const after = await post({ jsonrpc: "2.0", id: 3, method: "tools/list" }, headers(token, "space-anna", { "mcp-session-id": sessionId }));
    expect(after.status).toBe(404);

    const next = await openRaw(token);
    const listed = await callRaw(token, next, "todo.list", {});
    expect(JSON.parse(textOf(listed)).tasks.map((task: Json) => task.title)).toEqual(["Milch kaufen"]);

    const closed = await call(MCP, { method: "DELETE", headers: headers(token, "space-anna", { "mcp-session-id": next }) });
    expect(closed.status).toBe(200);
    const reused = await post({ jsonrpc: "2.0", id: 4, method: "tools/list" }, headers(token, "space-anna", { "mcp-session-id": next }));
    expect(reused.status).toBe(404);
  });

  it("freezes the space of initialize: a later X-Mana-Space does not move the session", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token, "space-anna");
    await callRaw(token, sessionId, "todo.create", { title: "Im eigenen Space" }, "space-elsewhere");
    const inOther = await callRaw(token, await openRaw(token, "space-elsewhere"), "todo.list", {}, "space-elsewhere");
    expect(JSON.parse(textOf(inOther)).tasks).toEqual([]);
    const inOwn = await callRaw(token, await openRaw(token, "space-anna"), "todo.list", {});
    expect(JSON.parse(textOf(inOwn)).tasks.map((task: Json) => task.title)).toEqual(["Im eigenen Space"]);
  });

  it("freezes the JWT of initialize: once it expires, tools fail even with a fresh token", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: PINNED });
    const { token, userId } = await login(ANNA);
    const nowSec = Math.floor(Date.now() / 1000);
    const claims = { sub: userId, email: ANNA, role: "user", sid: "s", tier: "free" };
    const shortLived = await mintAccessToken(claims, vars.STACK_JWT_SECRET, vars.STACK_ISSUER, nowSec - 15 * 60 + 2);
    const sessionId = await openRaw(shortLived);
    vi.setSystemTime(PINNED + 2_100);
    const result = await callRaw(token, sessionId, "todo.list", {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Tool todo\.list failed: mana-auth \/encryption-vault\/key failed: HTTP 401/);
  });
});

describe("mana-mcp stand-in: tools", () => {
  it("lists the dotted tools with JSON Schemas and taskSupport forbidden", async () => {
    const { token } = await login(ANNA);
    const { client } = await sdkClient(token);
    const { tools, nextCursor } = await client.listTools();
    expect(nextCursor).toBeUndefined();
    const names = tools.map((tool) => tool.name);
    expect(names).toHaveLength(33);
    expect(names).toEqual(names.toSorted());
    const create = tools.find((tool) => tool.name === "todo.create");
    expect(create?.inputSchema.required).toEqual(["title"]);
    expect((create?.inputSchema.properties as Json).priority.enum).toEqual(["low", "medium", "high", "urgent"]);
    expect(create?.execution).toEqual({ taskSupport: "forbidden" });
    await client.close();
  });

  it("stores per space: a created todo is listed back there and nowhere else", async () => {
    const { token } = await login(ANNA);
    const { client } = await sdkClient(token, "space-anna");
    const created = await client.callTool({ name: "todo.create", arguments: { title: "Steuererklärung", priority: "high", unknownKey: 1 } });
    const { task } = JSON.parse(textOf(created as Json));
    expect(task).toMatchObject({ title: "Steuererklärung", priority: "high", isCompleted: false, order: 0 });
    expect(task.unknownKey).toBeUndefined();
    const listed = JSON.parse(textOf((await client.callTool({ name: "todo.list", arguments: {} })) as Json));
    expect(listed.tasks.map((t: Json) => t.id)).toEqual([task.id]);
    expect(JSON.parse(textOf((await client.callTool({ name: "todo.complete", arguments: { id: task.id } })) as Json))).toEqual({ ok: true });
    expect(JSON.parse(textOf((await client.callTool({ name: "todo.list", arguments: {} })) as Json)).tasks).toEqual([]);

    const other = await sdkClient(token, "some-other-space");
    expect(JSON.parse(textOf((await other.client.callTool({ name: "todo.list", arguments: { includeCompleted: true } })) as Json)).tasks).toEqual([]);
    await client.close();
    await other.client.close();
  });

  it("reads back habits, journal, mood and notes", async () => {
    // A minute before midnight UTC, pinned: the journal entry is dated the day it was written.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2026-11-24T23:59:00.000Z") });
    const { token } = await login(ANNA);
    const { client } = await sdkClient(token);
    const json = async (name: string, args: Json) => JSON.parse(textOf((await client.callTool({ name, arguments: args })) as Json));
    const { habit } = await json("habits.create", { title: "Wasser trinken", targetPerDay: 8 });
    expect(await json("habits.archive", { id: habit.id })).toEqual({ ok: true });
    expect((await json("habits.list", {})).habits).toEqual([]);
    expect((await json("habits.list", { includeArchived: true })).habits[0].isArchived).toBe(true);
    const { entry } = await json("mood.log", { level: 7, emotion: "calm", time: "22:15" });
    expect((await json("mood.today", {})).entries.map((row: Json) => row.id)).toEqual([entry.id]);
    expect((await json("mood.recent", { days: 3 })).entries).toHaveLength(1);
    await json("notes.create", { title: "Rezept", content: "Linsensuppe mit Zitrone" });
    expect((await json("notes.search", { query: "linsen" })).notes).toHaveLength(1);
    const journal = await json("journal.add", { content: "Ein ruhiger Tag.", mood: "zufrieden" });
    expect(journal.entry).toMatchObject({ entryDate: "2026-11-24", wordCount: 3 });
    await client.close();
  });

  it("lists open signs by expectedBy, else encounteredAt, as the registry's handler sorts them (its description's 'encounteredAt + 30 days' is not what it does)", async () => {
    const { token } = await login(ANNA);
    const { client } = await sdkClient(token, "space-augur-order");
    const json = async (name: string, args: Json) => JSON.parse(textOf((await client.callTool({ name, arguments: args })) as Json));
    const capture = async (claim: string, dates: Json) => (await json("augur.captureSign", { kind: "hunch", source: "Bauchgefühl", claim, ...dates })).entryId;
    // By encounteredAt + 30 days the order would be expected, due, waiting.
    const waiting = await capture("Ohne Termin", { encounteredAt: "2026-11-01" });
    const due = await capture("Bald fällig", { encounteredAt: "2026-11-15", expectedBy: "2026-11-20" });
    const expected = await capture("Früh erwartet", { encounteredAt: "2026-11-10", expectedBy: "2026-11-05" });
    const listed = async (args: Json) => (await json("augur.listOpenSigns", args)).entries.map((entry: Json) => entry.id);
    expect(await listed({})).toEqual([waiting, expected, due]);
    expect(await listed({ limit: 2 })).toEqual([waiting, expected]);
    await client.close();
  });

  it("reports failures as isError results in the real wording", async () => {
    const { token } = await login(ANNA);
    const { client } = await sdkClient(token);
    const text = async (name: string, args: Json) => {
      const result = (await client.callTool({ name, arguments: args })) as Json;
      expect(result.isError).toBe(true);
      return textOf(result);
    };
    expect(await text("spaces.list", {})).toBe("Tool spaces.list failed: mana-auth /organization/list failed: 401 Unauthorized");
    expect(await text("todo.delete", {})).toBe("MCP error -32602: Tool todo.delete not found");
    expect(await text("todo.create", { title: "" })).toMatch(/^MCP error -32602: Input validation error/);
    expect(await text("todo.complete", { id: crypto.randomUUID() })).toMatch(/^Tool todo\.complete failed: todo .* not found$/);
    await client.close();
  });

  it("refuses a tool called more than 30 times a minute by one user", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    for (let i = 0; i < 30; i++) expect((await callRaw(token, sessionId, "todo.list", {})).isError).toBeUndefined();
    const refused = await callRaw(token, sessionId, "todo.list", {});
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^Tool todo\.list not allowed: rate-limit-exceeded: /);
  });

  it("records every execution of a credit-spending tool, and appends its panel to the story", async () => {
    const { token, userId } = await login(ANNA);
    const { client } = await sdkClient(token);
    const json = async (name: string, args: Json) => JSON.parse(textOf((await client.callTool({ name, arguments: args })) as Json));
    const [face] = (await json("me.listReferenceImages", { kind: "face" })).images;
    const { story } = await json("comic.createStory", { title: "Regentag", style: "manga", characterMediaIds: [face.mediaId] });
    const panel = await json("comic.generatePanel", { storyId: story.id, panelPrompt: "Ein Hund im Regen" });
    expect(panel).toMatchObject({ panelIndex: 0, referenceMediaIds: [face.mediaId], model: "openai/gpt-image-2" });
    const listed = (await json("comic.listStories", {})).stories.find((row: Json) => row.id === story.id);
    expect(listed).toMatchObject({ panelCount: 1 });
    expect((await executions()).filter((e) => e.tool === "comic.generatePanel")).toMatchObject([
      { userId, space: "space-anna", args: { storyId: story.id, panelPrompt: "Ein Hund im Regen" } },
    ]);
    await client.close();
  });
});

describe("mana-mcp stand-in: staged faults", () => {
  it("restart-before: the call answers 404 and never runs", async () => {
    const { token } = await login(ANNA);
    const { client } = await sdkClient(token);
    await stageFault({ tool: "todo.create", kind: "restart-before" });
    const error = await client.callTool({ name: "todo.create", arguments: { title: "x" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(404);
    expect(await executions()).toEqual([]);
  });

  it("http-500 on any tool: refused before running", async () => {
    const { token } = await login(ANNA);
    const { client } = await sdkClient(token);
    await stageFault({ tool: "*", kind: "http-500" });
    const error = await client.callTool({ name: "todo.list", arguments: {} }).catch((e: unknown) => e);
    expect((error as StreamableHTTPError).code).toBe(500);
    expect(await executions()).toEqual([]);
    expect((await client.callTool({ name: "todo.list", arguments: {} })).isError).toBeUndefined();
    await client.close();
  });

  it("lose-reply: the write lands, the SSE reply breaks", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    await stageFault({ tool: "todo.create", kind: "lose-reply" });
    const request = { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "todo.create", arguments: { title: "verloren" } } };
    const response = await post(request, headers(token, "space-anna", { "mcp-session-id": sessionId }));
    await expect(response.text()).rejects.toThrow();
    expect((await executions()).map((e) => e.tool)).toEqual(["todo.create"]);
    const listed = await callRaw(token, sessionId, "todo.list", {});
    expect(JSON.parse(textOf(listed)).tasks[0].title).toBe("verloren");
  });

  it("rejects a malformed fault with the reason", async () => {
    const response = await stageFault({ tool: "todo.create", kind: "explode" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(/kind/);
  });
});

describe("mana-mcp stand-in: held calls", () => {
  it("hold: the call waits before its tool runs until released, then runs, lands and replies", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    await stageFault({ tool: "todo.create", kind: "hold" });
    const pending = callRaw(token, sessionId, "todo.create", { title: "Gehalten" });
    expect(await heldCount("atLeast=1")).toEqual({ held: 1 });
    expect(await executions()).toEqual([]);
    expect(await records("todo")).toEqual([]);

    expect((await callRaw(token, await openRaw(token), "todo.list", {})).isError).toBeUndefined();
    expect(await heldCount("atLeast=2&waitMs=20")).toEqual({ held: 1 });
    expect(await release()).toEqual({ released: 1 });
    expect(JSON.parse(textOf(await pending)).task.title).toBe("Gehalten");
    expect((await executions()).map((e) => e.tool)).toEqual(["todo.list", "todo.create"]);
    expect((await records("todo")).map((todo) => todo.title)).toEqual(["Gehalten"]);
    expect(await heldCount("waitMs=0")).toEqual({ held: 0 });
  });

  it("releases held calls on reset: the reset forgot their session, so they answer 404 and never run", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    await stageFault({ tool: "*", kind: "hold", times: 2 });
    const request = { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "todo.create", arguments: { title: "x" } } };
    const pending = post(request, headers(token, "space-anna", { "mcp-session-id": sessionId }));
    expect(await heldCount("atLeast=1")).toEqual({ held: 1 });
    await call("http://stack.test/__stack/reset", { method: "POST" });
    const response = await pending;
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Session not found" });
    expect(await executions()).toEqual([]);
    expect(await heldCount("waitMs=0")).toEqual({ held: 0 });
    expect(await (await control("faults")).json()).toEqual({ pending: [] });
  });

  it("refuses a wait longer than a minute, naming the parameter", async () => {
    const response = await control("held?atLeast=1&waitMs=90000");
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(/^waitMs: /);
  });
});

describe("mana-mcp stand-in: defect modes", () => {
  const PULL_SHAPE = "undefined is not an object (evaluating '(await pullAll(…)).changes.filter')";
  const NO_VAULT = 'mana-auth /encryption-vault/key failed: HTTP 404 — {"error":"vault not initialised","code":"VAULT_NOT_INITIALISED"}';

  async function tools(email = ANNA) {
    const { client } = await sdkClient((await login(email)).token);
    return { ...caller(client), close: () => client.close() };
  }

  it("syncPullShape: every tool that pulls fails with the real TypeError (writes that pull first too), the others still land", async () => {
    await putDefects({ syncPullShape: true });
    const anna = await tools();
    expect((await anna.run("notes.create", { title: "Trotzdem gespeichert" })).isError).toBeUndefined();
    for (const name of ["todo.list", "habits.list", "notes.search", "mood.today", "mood.recent", "todo.create", "habits.create"]) {
      const result = await anna.run(name, name.endsWith(".create") ? { title: "Zieht vorher" } : {});
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(`Tool ${name} failed: ${PULL_SHAPE}`);
    }
    expect((await executions()).map((e) => e.tool)).toEqual(["notes.create"]);
    await anna.close();
  });

  it("syncPullShape with a tool list breaks only those tools", async () => {
    const state = await (await putDefects({ syncPullShape: { tools: ["habits.list"] } })).json();
    expect(state).toEqual({ ...OFF, syncPullShape: { tools: ["habits.list"] } });
    const anna = await tools();
    expect(textOf(await anna.run("habits.list"))).toBe(`Tool habits.list failed: ${PULL_SHAPE}`);
    expect((await anna.run("todo.list")).isError).toBeUndefined();
    await anna.close();
  });

  it("echoExclusion: reads never see what was written through MCP, nor its changes to the web app's rows; pushes by id still land", async () => {
    await putDefects({ echoExclusion: true });
    const anna = await tools();
    const { json } = anna;
    const { task } = await json("todo.create", { title: "Unsichtbar" });
    expect(await json("todo.list", { includeCompleted: true })).toEqual({ tasks: [] });
    expect(await json("todo.complete", { id: task.id })).toEqual({ ok: true });
    const { habit } = await json("habits.create", { title: "Wasser trinken" });
    expect(await json("habits.list", { includeArchived: true })).toEqual({ habits: [] });
    expect(await json("habits.update", { id: habit.id, title: "Mehr Wasser" })).toEqual({ ok: true });
    expect(await json("habits.archive", { id: habit.id })).toEqual({ ok: true });
    await json("notes.create", { title: "Rezept" });
    expect(await json("notes.search", {})).toEqual({ notes: [] });
    await json("mood.log", { level: 6, emotion: "calm" });
    expect(await json("mood.today", {})).toEqual({ entries: [] });
    expect(await json("mood.recent", {})).toEqual({ entries: [] });
    const { story } = await json("comic.createStory", { title: "Unsichtbar", style: "comic", characterMediaIds: ["m"] });
    expect(textOf(await anna.run("comic.reorderPanels", { storyId: story.id, panelImageIds: ["p"] }))).toBe(
      `Tool comic.reorderPanels failed: Comic story ${story.id} not found in the active space`,
    );
    const [seeded] = (await json("comic.listStories", {})).stories;
    await json("comic.reorderPanels", { storyId: seeded.id, panelImageIds: seeded.panelImageIds.toReversed() });
    expect((await json("comic.listStories", {})).stories).toEqual([seeded]);

    expect(await records("todo")).toEqual([expect.objectContaining({ title: "Unsichtbar", isCompleted: true })]);
    expect(await records("habit")).toEqual([expect.objectContaining({ title: "Mehr Wasser", isArchived: true })]);
    expect((await records("comic-story")).find((row) => row.id === seeded.id)?.panelImageIds).toEqual(seeded.panelImageIds.toReversed());
    await anna.close();
  });

  it("updateBlindReads: reads show every record as it was inserted; creates show, updates, completions, archives, resolutions, pins and reorders do not", async () => {
    await putDefects({ updateBlindReads: true });
    const anna = await tools();
    const { json } = anna;
    const { task } = await json("todo.create", { title: "Sichtbar" });
    await json("todo.complete", { id: task.id });
    expect((await json("todo.list", {})).tasks).toEqual([task]);
    const { habit } = await json("habits.create", { title: "Lesen" });
    await json("habits.update", { id: habit.id, title: "Mehr lesen" });
    await json("habits.archive", { id: habit.id });
    expect((await json("habits.list", {})).habits).toEqual([habit]);
    const { entryId } = await json("augur.captureSign", { kind: "hunch", source: "Bauchgefühl", claim: "Morgen regnet es" });
    await json("augur.resolveSign", { entryId, outcome: "fulfilled" });
    expect((await json("augur.listOpenSigns", {})).entries.map((entry: Json) => entry.id)).toEqual([entryId]);
    const [character] = (await json("comic.listCharacters", {})).characters;
    await json("comic.pinVariant", { characterId: character.id, variantMediaId: character.variantMediaIds[2] });
    expect((await json("comic.listCharacters", {})).characters).toEqual([character]);

    expect((await records("todo"))[0]).toMatchObject({ isCompleted: true });
    expect((await records("comic-character"))[0]).toMatchObject({ pinnedVariantId: character.variantMediaIds[2] });
    await anna.close();
  });

  it("readBackDiffers: the write answers what was asked, every read shows the field differently: an update's old value, a create's altered one", async () => {
    const anna = await tools();
    const { json } = anna;
    await putDefects({ readBackDiffers: { tool: "wardrobe.createOutfit", field: "name" } });
    const { outfit } = await json("wardrobe.createOutfit", { name: "Büro", garmentIds: ["g1", "g2"] });
    expect(outfit.name).toBe("Büro");
    expect((await json("wardrobe.listOutfits", {})).outfits).toEqual([{ ...outfit, name: "Büro (anders)" }]);

    await putDefects({ readBackDiffers: { tool: "comic.reorderPanels", field: "panelImageIds" } });
    const [story] = (await json("comic.listStories", {})).stories;
    const reordered = story.panelImageIds.toReversed();
    expect(await json("comic.reorderPanels", { storyId: story.id, panelImageIds: reordered })).toEqual({ storyId: story.id, panelImageIds: reordered });
    expect((await json("comic.listStories", {})).stories[0].panelImageIds).toEqual(story.panelImageIds);

    await putDefects({ readBackDiffers: null });
    await json("comic.reorderPanels", { storyId: story.id, panelImageIds: reordered });
    expect((await json("comic.listStories", {})).stories[0].panelImageIds).toEqual(reordered);
    await anna.close();
  });

  it("failingTool with a reason: that tool fails on every call in the real wording and never runs", async () => {
    await putDefects({ failingTool: { tool: "habits.create", reason: "mana-sync push failed: HTTP 503" } });
    const anna = await tools();
    for (let i = 0; i < 2; i++) {
      const result = await anna.run("habits.create", { title: "Lesen" });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe("Tool habits.create failed: mana-sync push failed: HTTP 503");
    }
    expect((await anna.run("todo.create", { title: "Geht" })).isError).toBeUndefined();
    expect((await executions()).map((e) => e.tool)).toEqual(["todo.create"]);
    expect(await records("habit")).toEqual([]);
    await anna.close();
  });

  it("failingTool without a reason: each failure differs in its id, timestamp and request number", async () => {
    await putDefects({ failingTool: { tool: "habits.create" } });
    const anna = await tools();
    const pattern =
      /^Tool habits\.create failed: mana-sync push failed: row ([0-9a-f-]{36}) rejected at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \(HTTP 500, request (\d+)\)$/;
    const first = pattern.exec(textOf(await anna.run("habits.create", { title: "Lesen" })));
    const second = pattern.exec(textOf(await anna.run("habits.create", { title: "Lesen" })));
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(second![1]).not.toBe(first![1]);
    expect(Number(second![3])).toBe(Number(first![3]) + 1);
    expect(Date.parse(second![2]!)).toBeGreaterThanOrEqual(Date.parse(first![2]!));
    expect(await executions()).toEqual([]);
    await anna.close();
  });

  it("noVault: the encrypted modules fail for the listed users only, habits work", async () => {
    const { userId } = await login(ANNA);
    await putDefects({ noVault: { userIds: [userId] } });
    const anna = await tools();
    const encrypted: [string, Json][] = [
      ["todo.create", { title: "x" }],
      ["todo.list", {}],
      ["notes.create", { title: "x" }],
      ["journal.add", { content: "x" }],
      ["mood.log", { level: 5, emotion: "calm" }],
    ];
    for (const [name, args] of encrypted) expect(textOf(await anna.run(name, args))).toBe(`Tool ${name} failed: ${NO_VAULT}`);
    expect((await anna.run("habits.create", { title: "Lesen" })).isError).toBeUndefined();
    expect(textOf(await anna.run("spaces.list"))).toMatch(/organization\/list failed: 401/);
    const ben = await tools(BEN);
    expect((await ben.run("todo.create", { title: "Ben darf" })).isError).toBeUndefined();
    expect((await executions()).map((e) => e.tool)).toEqual(["habits.create", "spaces.list", "todo.create"]);

    await putDefects({ noVault: true });
    expect(textOf(await ben.run("todo.list"))).toBe(`Tool todo.list failed: ${NO_VAULT}`);
    await anna.close();
    await ben.close();
  });

  it("answers the state on GET and PUT, merges partial updates, switches off with null or false and on reset", async () => {
    expect(await (await control("defects")).json()).toEqual(OFF);
    await putDefects({ echoExclusion: true, noVault: true });
    const merged = await (await putDefects({ failingTool: { tool: "todo.create" }, noVault: false })).json();
    expect(merged).toEqual({ ...OFF, echoExclusion: true, failingTool: { tool: "todo.create" } });
    expect(await (await putDefects({ echoExclusion: null })).json()).toEqual({ ...OFF, failingTool: { tool: "todo.create" } });
    await putDefects({ syncPullShape: true, echoExclusion: true });
    await call("http://stack.test/__stack/reset", { method: "POST" });
    expect(await (await control("defects")).json()).toEqual(OFF);
  });

  it.each([
    [{ syncPullShape: { tools: ["todo.lsit"] } }, /^syncPullShape\.tools\.0: not a tool of mana-mcp$/],
    [{ syncPullShape: "yes" }, /^syncPullShape: /],
    [{ echoExclusion: 1 }, /^echoExclusion: /],
    [{ failingTool: { reason: "kaputt" } }, /^failingTool\.tool: /],
    [{ noVault: { userIds: [] } }, /^noVault\.userIds: /],
    [{ echoExclution: true }, /echoExclution/],
    [{ updateBlindReads: "yes" }, /^updateBlindReads: /],
    [{ readBackDiffers: { tool: "todo.create" } }, /^readBackDiffers\.field: /],
    [{ readBackDiffers: { tool: "todo.delete", field: "title" } }, /^readBackDiffers\.tool: not a tool of mana-mcp$/],
  ])("refuses %j with 400 naming the field", async (body, message) => {
    const response = await putDefects(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(message);
  });
});

describe("mana-mcp stand-in: outages, slowness, tool-surface changes and noise", () => {
  const outcomes = async (run: () => Promise<Json>, times: number): Promise<string[]> => {
    const seen: string[] = [];
    for (let i = 0; i < times; i++) seen.push((await run()).isError ? "fail" : "ok");
    return seen;
  };

  it("failingTool with a rate: that share of the tool's calls fails, evenly spread, the same calls again after a new set", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    const list = () => callRaw(token, sessionId, "todo.list", {});
    const mode = { failingTool: { tool: "todo.list", reason: "mana-sync pull failed: 500 Internal Server Error — boom", rate: 0.3 } };
    expect(await defects.mcp(mode)).toMatchObject(mode);
    const first = await outcomes(list, 10);
    expect(first).toEqual(["ok", "ok", "ok", "fail", "ok", "ok", "fail", "ok", "ok", "fail"]);
    expect((await executions()).filter((e) => e.tool === "todo.list")).toHaveLength(7);
    await defects.mcp(mode);
    expect(await outcomes(list, 10)).toEqual(first);
    await defects.mcp({ failingTool: { ...mode.failingTool, rate: 0.5 } });
    expect(await callRaw(token, sessionId, "todo.list", {})).not.toHaveProperty("isError");
    expect(textOf(await callRaw(token, sessionId, "todo.list", {}))).toBe("Tool todo.list failed: mana-sync pull failed: 500 Internal Server Error — boom");

    await defects.mcp({ failingTool: null });
    expect(await outcomes(list, 4)).toEqual(["ok", "ok", "ok", "ok"]);
  });

  it("moduleOutage: every tool of the module fails with mana-sync's 503 (push for writes, pull for reads), other modules work", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    await defects.mcp({ moduleOutage: { module: "habits" } });
    expect(textOf(await callRaw(token, sessionId, "habits.create", { title: "Lesen" }))).toBe(
      "Tool habits.create failed: mana-sync push failed: 503 Service Unavailable — no healthy upstream",
    );
    expect(textOf(await callRaw(token, sessionId, "habits.list", {}))).toBe(
      "Tool habits.list failed: mana-sync pull failed: 503 Service Unavailable — no healthy upstream",
    );
    expect((await callRaw(token, sessionId, "todo.create", { title: "Geht" })).isError).toBeUndefined();
    await defects.mcp({ moduleOutage: { module: "todo", reason: "mana-sync push failed: 502 Bad Gateway — " } });
    expect(textOf(await callRaw(token, sessionId, "todo.list", {}))).toBe("Tool todo.list failed: mana-sync push failed: 502 Bad Gateway — ");
    expect((await callRaw(token, sessionId, "habits.list", {})).isError).toBeUndefined();
    expect((await executions()).map((e) => e.tool)).toEqual(["todo.create", "habits.list"]);

    await defects.mcp({ moduleOutage: false });
    expect((await callRaw(token, sessionId, "todo.list", {})).isError).toBeUndefined();
  });

  it("down: every request to /mcp answers the proxy's status before authentication; the probe tells up from down", async () => {
    const probe = () => call(MCP, { method: "POST" });
    const up = await probe();
    expect(up.status).toBe(401);
    expect(await up.json()).toEqual({ error: "Missing or malformed Authorization header" });

    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    expect(await defects.mcp({ down: true })).toMatchObject({ down: { status: 503 } });
    const down = await probe();
    expect(down.status).toBe(503);
    expect(down.headers.get("content-type")).toBe("text/plain");
    expect(await down.text()).toBe("no healthy upstream");
    const inSession = await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "todo.create", arguments: { title: "x" } } }, headers(token, "space-anna", { "mcp-session-id": sessionId }));
    expect(inSession.status).toBe(503);
    await inSession.text();
    const opening = await sdkClient(token).catch((error: unknown) => error);
    expect(opening).toBeInstanceOf(StreamableHTTPError);
    expect((opening as StreamableHTTPError).code).toBe(503);

    await defects.mcp({ down: { status: 504 } });
    const gateway = await probe();
    expect([gateway.status, await gateway.text()]).toEqual([504, "upstream request timeout"]);
    expect(await executions()).toEqual([]);

    await defects.mcp({ down: null });
    expect((await probe()).status).toBe(401);
    expect((await callRaw(token, sessionId, "todo.create", { title: "wieder da" })).isError).toBeUndefined();
  });

  it("slowTool: the call runs at once, its normal reply is held back (counted as held, released early on request)", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    await defects.mcp({ slowTool: { tool: "todo.create", ms: 60_000 } });
    const request = { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "todo.create", arguments: { title: "Langsam" } } };
    let replied = false;
    const reply = post(request, headers(token, "space-anna", { "mcp-session-id": sessionId }))
      .then(sseMessages)
      .finally(() => (replied = true));
    expect(await heldCount("atLeast=1")).toEqual({ held: 1 });
    expect((await executions()).map((e) => e.tool)).toEqual(["todo.create"]);
    expect((await callRaw(token, sessionId, "todo.list", {})).isError).toBeUndefined();
    expect(replied).toBe(false);
    expect(await release()).toEqual({ released: 1 });
    const [message] = await reply;
    expect(JSON.parse(textOf(message!.result)).task.title).toBe("Langsam");

    await defects.mcp({ slowTool: null });
    expect(JSON.parse(textOf(await callRaw(token, sessionId, "todo.create", { title: "Sofort" }))).task.title).toBe("Sofort");
    expect(await heldCount("waitMs=0")).toEqual({ held: 0 });
    await defects.mcp({ slowTool: { tool: "todo.create", ms: 1 } });
    expect(JSON.parse(textOf(await callRaw(token, sessionId, "todo.create", { title: "Kurz" }))).task.title).toBe("Kurz");
  });


  it("removedTools: sessions opened meanwhile lack the tools and get the SDK's unknown-tool error; older ones keep them", async () => {
    const { token } = await login(ANNA);
    const before = await sdkClient(token);
    await defects.mcp({ removedTools: { tools: ["todo.complete", "habits.archive"] } });
    const during = await sdkClient(token);
    const names = (await during.client.listTools()).tools.map((tool) => tool.name);
    expect(names).not.toContain("todo.complete");
    expect(names).not.toContain("habits.archive");
    expect(names).toContain("todo.create");
    const removed = (await during.client.callTool({ name: "todo.complete", arguments: { id: crypto.randomUUID() } })) as Json;
    expect(removed.isError).toBe(true);
    expect(textOf(removed)).toBe("MCP error -32602: Tool todo.complete not found");
    expect((await before.client.listTools()).tools.map((tool) => tool.name)).toContain("todo.complete");
    expect(textOf((await before.client.callTool({ name: "todo.complete", arguments: { id: crypto.randomUUID() } })) as Json)).toMatch(/ not found$/);
    expect(await executions()).toHaveLength(1);

    await defects.mcp({ removedTools: null });
    const after = await sdkClient(token);
    expect((await after.client.listTools()).tools.map((tool) => tool.name)).toContain("todo.complete");
    for (const session of [before, during, after]) await session.client.close();
  });

  it("schemaChange: sessions opened meanwhile see one more required property; calls without it fail validation and never run", async () => {
    const { token } = await login(ANNA);
    const before = await sdkClient(token);
    await defects.mcp({ schemaChange: { tool: "notes.create" } });
    const during = await sdkClient(token);
    const schema = (await during.client.listTools()).tools.find((tool) => tool.name === "notes.create")!.inputSchema;
    expect(schema.required).toEqual(["title", "origin"]);
    expect((schema.properties as Json).origin).toEqual({ type: "string", minLength: 1, maxLength: 200, description: expect.any(String) });
    const old = (await during.client.callTool({ name: "notes.create", arguments: { title: "Rezept" } })) as Json;
    expect(old.isError).toBe(true);
    expect(textOf(old)).toMatch(/^MCP error -32602: Input validation error: Invalid arguments for tool notes\.create: .* at origin$/);
    expect(await executions()).toEqual([]);
    const fresh = JSON.parse(textOf((await during.client.callTool({ name: "notes.create", arguments: { title: "Rezept", origin: "Notizen-Screen" } })) as Json));
    expect(fresh.note).toMatchObject({ title: "Rezept" });
    expect(fresh.note.origin).toBeUndefined();
    const unchanged = (await before.client.listTools()).tools.find((tool) => tool.name === "notes.create")!.inputSchema;
    expect(unchanged.required).toEqual(["title"]);
    expect((await before.client.callTool({ name: "notes.create", arguments: { title: "Alt" } })).isError).toBeUndefined();

    await defects.mcp({ schemaChange: false });
    const after = await sdkClient(token);
    expect((await after.client.listTools()).tools.find((tool) => tool.name === "notes.create")!.inputSchema.required).toEqual(["title"]);
    expect((await after.client.callTool({ name: "notes.create", arguments: { title: "Wieder" } })).isError).toBeUndefined();
    for (const session of [before, during, after]) await session.client.close();
  });

  it("failingUser: every tool call of that user fails app-side, other users work", async () => {
    const anna = await login(ANNA);
    const ben = await login(BEN);
    const annaSession = await openRaw(anna.token);
    const benSession = await openRaw(ben.token, "space-ben");
    await defects.mcp({ failingUser: { userId: anna.userId } });
    for (const [name, args] of [["habits.create", { title: "Lesen" }], ["todo.list", {}], ["comic.listStories", {}]] as const) {
      expect(textOf(await callRaw(anna.token, annaSession, name, args))).toBe(
        `Tool ${name} failed: mana-auth /encryption-vault/key failed: HTTP 403 — {"error":"Forbidden"}`,
      );
    }
    expect((await callRaw(ben.token, benSession, "habits.create", { title: "Lesen" }, "space-ben")).isError).toBeUndefined();
    await defects.mcp({ failingUser: { userId: anna.userId, reason: "mana-sync push failed: 403 Forbidden — space not accessible" } });
    expect(textOf(await callRaw(anna.token, annaSession, "todo.create", { title: "x" }))).toBe(
      "Tool todo.create failed: mana-sync push failed: 403 Forbidden — space not accessible",
    );
    expect((await executions()).map((e) => e.userId)).toEqual([ben.userId]);

    await defects.mcp({ failingUser: null });
    expect((await callRaw(anna.token, annaSession, "todo.create", { title: "x" })).isError).toBeUndefined();
  });

  it("transientFailures: seeded noise at about the rate, never twice in a row for a tool, the same calls again after a new set", async () => {
    const { token } = await login(ANNA);
    const sequence: [string, Json][] = [["todo.list", {}], ["habits.list", {}], ["todo.create", { title: "x" }], ["mood.recent", {}]];
    const noisy = new RegExp(
      "^Tool [a-z.]+ failed: mana-sync (push|pull) failed: (503 Service Unavailable — upstream connect error or disconnect/reset before headers\\. reset reason: connection termination|504 Gateway Timeout — upstream request timeout)$",
    );
    // 25 calls of each tool a day: a restart before each day keeps them under the rate limit.
    const day = async () => {
      await control("restart", { method: "POST" });
      const sessionId = await openRaw(token);
      const seen: string[] = [];
      for (let i = 0; i < 100; i++) {
        const [name, args] = sequence[i % sequence.length]!;
        const result = await callRaw(token, sessionId, name, args);
        if (result.isError) expect(textOf(result)).toMatch(noisy);
        seen.push(result.isError ? textOf(result) : "ok");
      }
      return seen;
    };
    await defects.mcp({ transientFailures: { rate: 0.2 } });
    const first = await day();
    const failed = first.filter((outcome) => outcome !== "ok");
    expect(failed.length).toBeGreaterThanOrEqual(10);
    expect(failed.length).toBeLessThanOrEqual(30);
    expect(failed.some((text) => text.includes(" pull failed: 503 "))).toBe(true);
    expect(failed.some((text) => text.includes(" 504 Gateway Timeout"))).toBe(true);
    expect(failed.some((text) => text.startsWith("Tool todo.create failed: mana-sync push failed: "))).toBe(true);
    first.forEach((outcome, i) => {
      if (outcome !== "ok" && i >= sequence.length) expect(first[i - sequence.length]).toBe("ok");
    });
    expect(await executions()).toHaveLength(100 - failed.length);

    await defects.mcp({ transientFailures: { rate: 0.2 } });
    expect(await day()).toEqual(first);
    await defects.mcp({ transientFailures: null });
    expect((await day()).every((outcome) => outcome === "ok")).toBe(true);
  });

  it("answers every new mode in the state, switches each off with null and all of them on reset", async () => {
    const { userId } = await login(ANNA);
    const modes = {
      moduleOutage: { module: "mood" },
      down: { status: 502 },
      slowTool: { tool: "todo.list", ms: 2500 },
      removedTools: { tools: ["todo.complete"] },
      schemaChange: { tool: "todo.create" },
      failingUser: { userId },
      transientFailures: { rate: 0.05 },
    };
    expect(await defects.mcp(modes)).toEqual({ ...OFF, ...modes });
    expect(await defects.mcp({ down: null, transientFailures: false })).toEqual({ ...OFF, ...modes, down: null, transientFailures: null });
    await call("http://stack.test/__stack/reset", { method: "POST" });
    expect(await (await control("defects")).json()).toEqual(OFF);
  });

  it.each([
    [{ failingTool: { tool: "todo.list", rate: 0 } }, /^failingTool\.rate: /],
    [{ failingTool: { tool: "todo.list", rate: 1.5 } }, /^failingTool\.rate: /],
    [{ moduleOutage: { module: "calendar" } }, /^moduleOutage\.module: not a module of mana-mcp$/],
    [{ down: { status: 500 } }, /^down\.status: /],
    [{ slowTool: { tool: "todo.list", ms: 0 } }, /^slowTool\.ms: /],
    [{ slowTool: { tool: "todo.list", ms: 60_001 } }, /^slowTool\.ms: /],
    [{ removedTools: { tools: [] } }, /^removedTools\.tools: /],
    [{ removedTools: { tools: ["todo.lsit"] } }, /^removedTools\.tools\.0: not a tool of mana-mcp$/],
    [{ schemaChange: { tool: "todo.lsit" } }, /^schemaChange\.tool: not a tool of mana-mcp$/],
    [{ failingUser: { userId: "" } }, /^failingUser\.userId: /],
    [{ transientFailures: { rate: 0.6 } }, /^transientFailures\.rate: /],
  ])("refuses %j with 400 naming the field", async (body, message) => {
    const response = await putDefects(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(message);
  });
});

describe("mana-mcp stand-in: the model's mistakes (the Claude stand-in's invalidArgs and madeUpIds), as answered", () => {
  it("a missing required field gets the SDK's validation error and never runs, a made-up id the handler's not-found", async () => {
    const { token } = await login(ANNA);
    const sessionId = await openRaw(token);
    const missing = await callRaw(token, sessionId, "todo.create", { priority: "high" });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toBe(
      "MCP error -32602: Input validation error: Invalid arguments for tool todo.create: Invalid input: expected string, received undefined at title",
    );
    const madeUp = crypto.randomUUID();
    const unknown = await callRaw(token, sessionId, "habits.archive", { id: madeUp });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toBe(`Tool habits.archive failed: habit ${madeUp} not found`);
    expect(await executions()).toMatchObject([{ tool: "habits.archive" }]);
  });
});

describe("mana-mcp stand-in: failure rates", () => {
  it.each([0.05, 0.3, 0.5, 1])("evenlySpread(%d) fails exactly that share of any run of calls from the first", (rate) => {
    for (const calls of [20, 100, 1000]) {
      const failed = Array.from({ length: calls }, (_, n) => evenlySpread(n, rate)).filter(Boolean).length;
      expect(failed).toBe(Math.floor(calls * rate + 1e-9));
    }
  });

  it("failsAt with spread random fails about its rate with runs of failures and of successes, the same calls each time", () => {
    const series = Array.from({ length: 2000 }, (_, n) => failsAt(n, 0.35, "random"));
    const share = series.filter(Boolean).length / series.length;
    expect(share).toBeGreaterThan(0.32);
    expect(share).toBeLessThan(0.38);
    const longest = (fails: boolean) => {
      let best = 0;
      let run = 0;
      for (const f of series) {
        run = f === fails ? run + 1 : 0;
        best = Math.max(best, run);
      }
      return best;
    };
    expect(longest(true)).toBeGreaterThanOrEqual(4);
    expect(longest(false)).toBeGreaterThanOrEqual(10);
    expect(Array.from({ length: 2000 }, (_, n) => failsAt(n, 0.35, "random"))).toEqual(series);
    expect(Array.from({ length: 100 }, (_, n) => failsAt(n, 0.35, "even"))).toEqual(Array.from({ length: 100 }, (_, n) => evenlySpread(n, 0.35)));
  });

  it("TransientNoise fails about its rate over many tools, never one tool twice in a row, the same calls for the same sequence", () => {
    const tools = Array.from({ length: 20 }, (_, i) => `module${i}.list`);
    const run = (rate: number) => {
      const noise = new TransientNoise(rate);
      return Array.from({ length: 10_000 }, (_, n) => noise.next(tools[n % tools.length]!) !== undefined);
    };
    const failed = run(0.1);
    const share = failed.filter(Boolean).length / failed.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    failed.forEach((fails, n) => {
      if (fails && n >= tools.length) expect(failed[n - tools.length]).toBe(false);
    });
    expect(run(0.1)).toEqual(failed);
    const half = run(0.5).filter(Boolean).length / failed.length;
    expect(half).toBeGreaterThan(0.45);
    expect(half).toBeLessThanOrEqual(0.5);
  });
});
