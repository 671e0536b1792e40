/** @module The mana-auth stand-in against docs/contracts.md §1: seed, due rule, ledger ingestion, login and lockout, Better Auth, admin, controls. */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { derivePersonaPassword } from "../../src/mana/password";
import { defects } from "../helpers";
import { isDue } from "./auth/due";
import { lockedUntil } from "./auth/lockout";
import { userIdFor } from "./auth/seed";
import { verifyAccessToken } from "./jwt";

/** The test worker's bindings (test/wrangler.test.toml, typed in test/worker-configuration.d.ts). */
const vars = env as TestEnv;


const ANNA = "persona.anna@mana.test";
const BEN = "persona.ben@mana.test";
const MARCUS = "persona.marcus@mana.test"; // weekdays
const WEDNESDAY = "2026-11-04T12:00:00.000Z";
const HOUR = 3_600_000;

type Json = Record<string, any>;

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return vars.STACK.fetch(`http://stack.test${path}`, init);
}

function internal(path: string, init: RequestInit = {}, key = vars.MANA_SERVICE_KEY): Promise<Response> {
  const headers = { "content-type": "application/json", "x-service-key": key, ...(init.headers as Json) };
  return call(`/api/v1/internal${path}`, { ...init, headers });
}

const postJson = (path: string, body: unknown) =>
  call(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const postActions = (userId: string, actions: unknown) =>
  internal(`/personas/${userId}/actions`, { method: "POST", body: JSON.stringify({ actions }) });
const postFeedback = (userId: string, feedback: unknown) =>
  internal(`/personas/${userId}/feedback`, { method: "POST", body: JSON.stringify({ feedback }) });
const setClock = (now: string | null) => call("/__stack/auth/clock", { method: "PUT", body: JSON.stringify({ now }) });
const armFault = (fault: Json) => postJson("/__stack/auth/faults", fault);
const rows = async (userId: string): Promise<Json> => (await call(`/__stack/auth/rows?userId=${userId}`)).json();
const due = async (): Promise<Json> => (await internal("/personas/due")).json();
const dueEmails = async (): Promise<string[]> => (await due()).personas.map((p: Json) => p.email);
const passwordOf = (email: string) => derivePersonaPassword(email, vars.PERSONA_SEED_SECRET);
const login = async (email: string, password?: string) =>
  postJson("/api/v1/auth/login", { email, password: password ?? (await passwordOf(email)) });
const signIn = async (email: string, password?: string) =>
  postJson("/api/auth/sign-in/email", { email, password: password ?? (await passwordOf(email)) });
const at = (iso: string, deltaMs: number) => new Date(Date.parse(iso) + deltaMs).toISOString();
const action = (tickId: string, toolName: string, extra: Json = {}) => ({ tickId, toolName, result: "ok", ...extra });

async function persona(email: string): Promise<Json> {
  const { personas } = await (await internal("/personas/due")).json<Json>();
  return personas.find((p: Json) => p.email === email);
}

async function adminPersona(userId: string): Promise<Json> {
  return (await call(`/api/v1/admin/personas/${userId}`, { headers: { "x-service-key": vars.MANA_SERVICE_KEY } })).json();
}

let anna: string;
let ben: string;

beforeEach(async () => {
  await call("/__stack/reset", { method: "POST" });
  anna = await userIdFor(ANNA);
  ben = await userIdFor(BEN);
});

describe("seed", () => {
  it("lists all ten catalog personas as due, with the due fields only", async () => {
    await setClock(WEDNESDAY);
    const body = await due();
    expect(body.serverTime).toBe(WEDNESDAY);
    expect(body.personas).toHaveLength(10);
    expect(body.personas[0]).toEqual({
      userId: anna,
      email: ANNA,
      archetype: "adhd-student",
      systemPrompt: expect.stringContaining("Anna"),
      moduleMix: { todo: 0.3, journal: 0.3, notes: 0.2, mood: 0.2 },
      tickCadence: "daily",
      lastActiveAt: null,
    });
  });

  it("derives the user id from the email's SHA-256", async () => {
    expect(anna).toMatch(/^[0-9a-f]{32}$/);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ANNA)));
    expect(anna).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32));
  });

  it("gives every persona exactly one personal space it owns", async () => {
    const response = await internal(`/users/${anna}/memberships`);
    expect(await response.json()).toEqual({
      userId: anna,
      memberships: [{ organizationId: `space-${anna.slice(0, 24)}`, role: "owner" }],
    });
  });

  it("answers an empty membership list for an unknown user", async () => {
    expect(await (await internal("/users/nobody/memberships")).json()).toEqual({ userId: "nobody", memberships: [] });
  });

  it("serves serverTime in ISO with milliseconds on real time", async () => {
    const { serverTime } = await due();
    expect(serverTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(serverTime) - Date.now())).toBeLessThan(60_000);
  });
});

describe("service key and unknown routes", () => {
  const unauthorized = { statusCode: 401, message: "Invalid or missing service key" };

  it.each([
    ["missing", ""],
    ["wrong", "not-the-key"],
  ])("rejects a %s key with 401", async (_, key) => {
    const response = await internal("/personas/due", {}, key);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(unauthorized);
  });

  it("guards unknown internal paths too, then answers a plain-text 404", async () => {
    const denied = await internal("/nope", {}, "");
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual(unauthorized);
    const missing = await internal("/nope");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^text\/plain/);
  });

  it("answers unknown routes with a plain-text 404", async () => {
    const response = await call("/api/v2/whatever");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("404 Not Found");
  });
});

describe("due rule", () => {
  it.each([
    ["hourly", HOUR],
    ["daily", 24 * HOUR],
    ["weekdays", 24 * HOUR],
  ])("counts the %s boundary as due, a millisecond before as not", (cadence, window) => {
    const now = Date.parse(WEDNESDAY);
    expect(isDue(cadence, now - window, now)).toBe(true);
    expect(isDue(cadence, now - window + 1, now)).toBe(false);
    expect(isDue(cadence, null, now)).toBe(true);
  });

  it("takes a persona off the list for 24 h after its actions, rolling", async () => {
    await setClock(WEDNESDAY);
    await postActions(anna, [action("t1", "todo.create")]);
    expect(await dueEmails()).not.toContain(ANNA);
    await setClock(at(WEDNESDAY, 24 * HOUR - 1));
    expect(await dueEmails()).not.toContain(ANNA);
    await setClock(at(WEDNESDAY, 24 * HOUR));
    expect(await dueEmails()).toContain(ANNA);
  });

  it("never lists weekdays personas on a UTC Saturday or Sunday, even if never active", async () => {
    await setClock("2026-11-06T23:59:59.999Z");
    expect(await dueEmails()).toContain(MARCUS);
    for (const weekend of ["2026-11-07T00:00:00.000Z", "2026-11-08T23:59:59.999Z"]) {
      await setClock(weekend);
      const emails = await dueEmails();
      expect(emails).not.toContain(MARCUS);
      expect(emails).toHaveLength(6);
      expect(emails).toContain(ANNA);
    }
    await setClock("2026-11-09T00:00:00.000Z");
    expect(await dueEmails()).toContain(MARCUS);
  });

  it("orders never-active first, then by lastActiveAt ascending", async () => {
    await setClock(WEDNESDAY);
    await postActions(ben, [action("t1", "todo.create")]);
    await setClock(at(WEDNESDAY, HOUR));
    await postActions(anna, [action("t2", "todo.create")]);
    await setClock(at(WEDNESDAY, 26 * HOUR));
    const personas: Json[] = (await due()).personas;
    expect(personas).toHaveLength(10);
    expect(personas.slice(0, 8).every((p) => p.lastActiveAt === null)).toBe(true);
    expect(personas.slice(8).map((p) => [p.email, p.lastActiveAt])).toEqual([
      [BEN, WEDNESDAY],
      [ANNA, at(WEDNESDAY, HOUR)],
    ]);
  });

  it("leaves soft-deleted personas out", async () => {
    await call(`/__stack/auth/personas/${anna}?soft=1`, { method: "DELETE" });
    expect(await dueEmails()).not.toContain(ANNA);
    expect((await postActions(anna, [action("t1", "todo.create")])).status).toBe(200);
  });
});

describe("POST /personas/:id/actions", () => {
  it("writes rows with index-based ids and stamps last_active_at on the stand-in clock", async () => {
    await setClock(WEDNESDAY);
    const response = await postActions(anna, [
      action("tick", "todo.create", { inputHash: "h1", latencyMs: 12 }),
      { tickId: "tick", toolName: "mood.log", result: "error", errorMessage: "boom" },
    ]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, written: 2 });
    const { actions } = await rows(anna);
    expect(actions).toEqual([
      {
        id: "tick-0-todo.create",
        tickId: "tick",
        toolName: "todo.create",
        inputHash: "h1",
        result: "ok",
        errorMessage: null,
        latencyMs: 12,
        createdAt: WEDNESDAY,
      },
      expect.objectContaining({ id: "tick-1-mood.log", result: "error", errorMessage: "boom", latencyMs: null }),
    ]);
    expect((await adminPersona(anna)).persona.lastActiveAt).toBe(WEDNESDAY);
  });

  it("accepts an identical resend, counts duplicates as written and still bumps last_active_at", async () => {
    const batch = [action("tick", "todo.create"), action("tick", "mood.log")];
    await setClock(WEDNESDAY);
    await postActions(anna, batch);
    await setClock(at(WEDNESDAY, 25 * HOUR));
    expect(await (await postActions(anna, batch)).json()).toEqual({ ok: true, written: 2 });
    expect((await rows(anna)).actions).toHaveLength(2);
    expect((await adminPersona(anna)).persona.lastActiveAt).toBe(at(WEDNESDAY, 25 * HOUR));
    expect(await dueEmails()).not.toContain(ANNA);
  });

  it("silently drops rows when one tick is split over two batches", async () => {
    await postActions(anna, [action("tick", "todo.create"), action("tick", "mood.log")]);
    const second = await postActions(anna, [action("tick", "todo.create", { inputHash: "another call" })]);
    expect(await second.json()).toEqual({ ok: true, written: 1 });
    const { actions } = await rows(anna);
    expect(actions.map((a: Json) => a.id)).toEqual(["tick-0-todo.create", "tick-1-mood.log"]);
    expect(actions[0].inputHash).toBeNull();
  });

  it("truncates ids to 255 characters", async () => {
    const tickId = "t".repeat(300);
    await postActions(anna, [action(tickId, "todo.create")]);
    const [row] = (await rows(anna)).actions;
    expect(row.id).toBe(`${tickId}-0-todo.create`.slice(0, 255));
    expect(row.tickId).toBe(tickId);
  });

  it("checks the persona before reading the body", async () => {
    const response = await internal("/personas/nobody/actions", { method: "POST", body: "{not json" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Persona not found" });
  });

  it("rejects invalid JSON with 400", async () => {
    const response = await internal(`/personas/${anna}/actions`, { method: "POST", body: "{not json" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Invalid JSON" });
  });

  it.each([
    ["an empty array", { actions: [] }],
    ["a missing array", {}],
    ["a non-array", { actions: "todo.create" }],
    ["501 rows", { actions: Array.from({ length: 501 }, (_, i) => action(`t${i}`, "todo.create")) }],
  ])("rejects %s with 400", async (_, body) => {
    const response = await internal(`/personas/${anna}/actions`, { method: "POST", body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  });

  it("accepts exactly 500 rows", async () => {
    const batch = Array.from({ length: 500 }, (_, i) => action("tick", `tool${i}`));
    expect(await (await postActions(anna, batch)).json()).toEqual({ ok: true, written: 500 });
  });

  it.each([
    ["a bad result", { result: "maybe" }],
    ["a missing toolName", { toolName: undefined }],
    ["a string latency", { latencyMs: "12" }],
  ])("writes nothing of a batch with %s", async (_, broken) => {
    const response = await postActions(anna, [action("tick", "todo.create"), { ...action("tick", "mood.log"), ...broken }]);
    expect(response.status).toBe(400);
    expect((await rows(anna)).actions).toEqual([]);
    expect(await dueEmails()).toContain(ANNA);
  });

  it("fails with 500 for a non-integer latencyMs, writing nothing", async () => {
    const response = await postActions(anna, [action("tick", "todo.create"), action("tick", "mood.log", { latencyMs: 1.5 })]);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ statusCode: 500, message: "Internal Server Error" });
    expect((await rows(anna)).actions).toEqual([]);
    expect((await adminPersona(anna)).persona.lastActiveAt).toBeNull();
  });
});

describe("POST /personas/:id/feedback", () => {
  const rating = (tickId: string, module: string, value: number, notes?: string) => ({ tickId, module, rating: value, notes });

  it("writes one rating per tick and module, first one wins", async () => {
    const response = await postFeedback(anna, [rating("tick", "todo", 4, "fine"), rating("tick", "todo", 1)]);
    expect(await response.json()).toEqual({ ok: true, written: 2 });
    await postFeedback(anna, [rating("tick", "todo", 2), rating("tick", "mood", 5)]);
    const { feedback } = await rows(anna);
    expect(feedback.map((f: Json) => [f.id, f.rating, f.notes])).toEqual([
      ["tick-todo", 4, "fine"],
      ["tick-mood", 5, null],
    ]);
  });

  it("does not touch last_active_at, so the persona stays due", async () => {
    await setClock(WEDNESDAY);
    await postFeedback(anna, [rating("tick", "todo", 4)]);
    expect((await persona(ANNA)).lastActiveAt).toBeNull();
  });

  it("fails with 500 for a rating of 3.5, writing nothing", async () => {
    const response = await postFeedback(anna, [rating("tick", "todo", 4), rating("tick", "mood", 3.5)]);
    expect(response.status).toBe(500);
    expect((await rows(anna)).feedback).toEqual([]);
  });

  it.each([0, 6])("rejects a rating of %s with 400", async (value) => {
    const response = await postFeedback(anna, [rating("tick", "todo", value)]);
    expect(response.status).toBe(400);
    expect((await rows(anna)).feedback).toEqual([]);
  });

  it("accepts 100 rows and rejects 101", async () => {
    const batch = (n: number) => Array.from({ length: n }, (_, i) => rating("tick", `module${i}`, 3));
    expect((await postFeedback(anna, batch(101))).status).toBe(400);
    expect(await (await postFeedback(anna, batch(100))).json()).toEqual({ ok: true, written: 100 });
  });

  it("answers 404 before 400, then 400 for invalid JSON and an empty array", async () => {
    expect((await internal("/personas/nobody/feedback", { method: "POST", body: "nope" })).status).toBe(404);
    const invalid = await internal(`/personas/${anna}/feedback`, { method: "POST", body: "nope" });
    expect(await invalid.json()).toEqual({ error: "Invalid JSON" });
    expect((await postFeedback(anna, [])).status).toBe(400);
  });
});

describe("POST /api/v1/auth/login", () => {
  it("answers the wrapper's body with a verifiable access token and no cookie", async () => {
    const response = await login(ANNA);
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toBeNull();
    const body = await response.json<Json>();
    expect(body).toEqual({
      redirect: false,
      token: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      user: { id: anna, email: ANNA, name: "Anna", kind: "persona", accessTier: "public" },
      accessToken: expect.any(String),
      refreshToken: body.token,
    });
    const claims = await verifyAccessToken(body.accessToken, vars.STACK_JWT_SECRET, Math.floor(Date.now() / 1000));
    expect(claims).toMatchObject({ sub: anna, email: ANNA, role: "user", tier: "public", aud: "mana", iss: vars.STACK_ISSUER });
    expect(claims.sid).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(claims.exp - claims.iat).toBe(15 * 60);
    await expect(verifyAccessToken(body.token, vars.STACK_JWT_SECRET, 0)).rejects.toThrow("Invalid Compact JWS");
  });

  it("mints tokens on real time even with a fixed clock", async () => {
    await setClock("2020-01-01T00:00:00.000Z");
    const { accessToken } = await (await login(ANNA)).json<Json>();
    await expect(verifyAccessToken(accessToken, vars.STACK_JWT_SECRET, Math.floor(Date.now() / 1000))).resolves.toBeDefined();
  });

  it("creates a new session per login, each with its own sid", async () => {
    const first = await (await login(ANNA)).json<Json>();
    const second = await (await login(ANNA)).json<Json>();
    expect(first.token).not.toBe(second.token);
    expect((await rows(anna)).sessions).toBe(2);
  });

  it("answers 401 INVALID_CREDENTIALS for a wrong password or an unknown email", async () => {
    for (const response of [await login(ANNA, "wrong"), await login("nobody@mana.test", "x")]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "INVALID_CREDENTIALS", message: "Invalid email or password", status: 401 });
    }
  });

  it.each([
    ["invalid JSON", "{"],
    ["a missing password", JSON.stringify({ email: ANNA })],
    ["a malformed email", JSON.stringify({ email: "anna", password: "x" })],
  ])("answers 400 VALIDATION for %s", async (_, body) => {
    const response = await call("/api/v1/auth/login", { method: "POST", body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "VALIDATION", message: expect.any(String), status: 400 });
  });

  it("locks an email after five failures: the sixth attempt gets 429 even with the right password", async () => {
    for (let i = 0; i < 5; i++) expect((await login(ANNA, "wrong")).status).toBe(401);
    const locked = await login(ANNA);
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toBe("1800");
    expect(await locked.json()).toEqual({
      error: "ACCOUNT_LOCKED",
      message: expect.any(String),
      status: 429,
      retryAfterSec: 1800,
    });
    expect((await login(BEN)).status).toBe(200);
    expect((await rows(anna)).sessions).toBe(0);
  });

  it("keeps the lock for the 1,800 s it announces, counted from the fifth failure within 15 minutes", () => {
    const minute = 60_000;
    const fiveIn14Minutes = [0, 1, 5, 10, 14].map((at) => at * minute);
    expect(lockedUntil(fiveIn14Minutes)).toBe(14 * minute + 1_800_000);
    expect(lockedUntil([0, 1, 5, 10, 16].map((at) => at * minute))).toBeUndefined();
    expect(lockedUntil(fiveIn14Minutes.slice(0, 4))).toBeUndefined();
    expect(lockedUntil([0, 20, 21, 22, 23, 24].map((at) => at * minute))).toBe(24 * minute + 1_800_000);
  });

  it("does not lock after four failures and a success", async () => {
    for (let i = 0; i < 4; i++) await login(ANNA, "wrong");
    expect((await login(ANNA)).status).toBe(200);
    await login(ANNA, "wrong");
    expect((await login(ANNA)).status).toBe(200);
  });
});

describe("Better Auth sign-in and organization list", () => {
  const cookiePattern = /^mana\.session_token=([A-Za-z0-9]+)\.([A-Za-z0-9_-]+); HttpOnly; Path=\/; Max-Age=604800$/;
  const unauthorized = { message: "Unauthorized", code: "UNAUTHORIZED" };

  async function sessionCookie(email = ANNA): Promise<string> {
    const header = (await signIn(email)).headers.get("set-cookie") ?? "";
    return header.split(";")[0] ?? "";
  }

  const orgList = (headers: Record<string, string> = {}) => call("/api/auth/organization/list", { headers });

  it("signs in with a cookie whose signature is the token's HMAC, base64url", async () => {
    const response = await signIn(ANNA);
    expect(response.status).toBe(200);
    const [, token, signature] = (response.headers.get("set-cookie") ?? "").match(cookiePattern) ?? [];
    expect(token).toBe((await response.json<Json>()).token);
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(vars.STACK_JWT_SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(token)));
    const expected = btoa(String.fromCharCode(...mac)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(signature).toBe(expected);
    expect((await rows(anna)).sessions).toBe(1);
  });

  it("lists the personal space as a bare array with metadata as an object", async () => {
    const response = await orgList({ cookie: await sessionCookie() });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      {
        id: `space-${anna.slice(0, 24)}`,
        name: expect.any(String),
        slug: expect.any(String),
        logo: null,
        createdAt: expect.stringMatching(/Z$/),
        metadata: { type: "personal", tier: "public" },
      },
    ]);
  });

  it("rejects no credentials, Bearer tokens of either kind and a forged cookie", async () => {
    const { token, accessToken } = await (await login(ANNA)).json<Json>();
    const [name, value = ""] = (await sessionCookie()).split("=");
    const forged = `${name}=${value.split(".")[0]}.forged`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${token}` },
      { authorization: `Bearer ${accessToken}` },
      { cookie: forged },
    ];
    for (const headers of attempts) {
      const response = await orgList(headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(unauthorized);
    }
  });

  it("rejects a wrong password", async () => {
    const response = await signIn(ANNA, "wrong");
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("bypasses the login wrapper's lockout", async () => {
    for (let i = 0; i < 5; i++) await login(ANNA, "wrong");
    expect((await login(ANNA)).status).toBe(429);
    expect((await signIn(ANNA)).status).toBe(200);
  });

  it("shows an added shared space next to the personal one, told apart by metadata.type", async () => {
    const space = { userId: anna, organizationId: "space-family", name: "WG", type: "family" };
    expect((await postJson("/__stack/auth/memberships", space)).status).toBe(200);
    await postJson("/__stack/auth/memberships", { ...space, userId: ben });
    const memberships = await (await internal(`/users/${anna}/memberships`)).json<Json>();
    expect(memberships.memberships).toEqual([
      { organizationId: `space-${anna.slice(0, 24)}`, role: "owner" },
      { organizationId: "space-family", role: "member" },
    ]);
    const orgs: Json[] = await (await orgList({ cookie: await sessionCookie(BEN) })).json();
    expect(orgs.map((org) => [org.id, org.metadata.type])).toEqual([
      [`space-${ben.slice(0, 24)}`, "personal"],
      ["space-family", "family"],
    ]);
  });
});

describe("admin API", () => {
  const admin = (path: string, key = vars.MANA_SERVICE_KEY) => call(`/api/v1/admin${path}`, { headers: { "x-service-key": key } });

  it("lists personas with their actions of the last seven days", async () => {
    await setClock(WEDNESDAY);
    await postActions(anna, [action("t1", "todo.create"), action("t1", "mood.log")]);
    await setClock(at(WEDNESDAY, 6 * 24 * HOUR));
    await postActions(anna, [action("t2", "todo.list")]);
    const { personas } = await (await admin("/personas")).json<Json>();
    expect(personas).toHaveLength(10);
    expect(personas.find((p: Json) => p.userId === anna)).toEqual({
      userId: anna,
      email: ANNA,
      name: "Anna",
      archetype: "adhd-student",
      tickCadence: "daily",
      lastActiveAt: at(WEDNESDAY, 6 * 24 * HOUR),
      actions7d: 3,
    });
    await setClock(at(WEDNESDAY, 7 * 24 * HOUR + 1));
    const later = await (await admin("/personas")).json<Json>();
    expect(later.personas.find((p: Json) => p.userId === anna).actions7d).toBe(1);
  });

  it("details a persona: its 50 latest actions newest first and feedback per module", async () => {
    await setClock(WEDNESDAY);
    await postActions(anna, Array.from({ length: 30 }, (_, i) => action("old", `tool${i}`)));
    await setClock(at(WEDNESDAY, HOUR));
    await postActions(anna, Array.from({ length: 30 }, (_, i) => action("new", `tool${i}`)));
    await postFeedback(anna, [
      { tickId: "old", module: "todo", rating: 2 },
      { tickId: "new", module: "todo", rating: 5, notes: "better" },
      { tickId: "new", module: "mood", rating: 3 },
    ]);
    const body = await (await admin(`/personas/${anna}`)).json<Json>();
    expect(body.persona).toMatchObject({ userId: anna, email: ANNA, name: "Anna", moduleMix: expect.any(Object) });
    expect(body.recentActions).toHaveLength(50);
    expect(body.recentActions[0]).toMatchObject({ tickId: "new", toolName: "tool29" });
    expect(body.recentActions[49]).toMatchObject({ tickId: "old", toolName: "tool10" });
    expect(body.feedbackByModule).toEqual([
      {
        module: "mood",
        avgRating: 1,
        count: 1,
        meanRating: 3,
        recent: [{ tickId: "new", rating: 3, notes: null, createdAt: at(WEDNESDAY, HOUR) }],
      },
      {
        module: "todo",
        avgRating: 2,
        count: 2,
        meanRating: 3.5,
        recent: [
          { tickId: "new", rating: 5, notes: "better", createdAt: at(WEDNESDAY, HOUR) },
          { tickId: "old", rating: 2, notes: null, createdAt: at(WEDNESDAY, HOUR) },
        ],
      },
    ]);
  });

  it("answers the admin detail in the real service's shape: feedbackByModule with avgRating as a row count", async () => {
    await postFeedback(anna, [
      { tickId: "t1", module: "todo", rating: 5 },
      { tickId: "t2", module: "todo", rating: 5 },
      { tickId: "t3", module: "todo", rating: 4 },
    ]);
    const body = await (await admin(`/personas/${anna}`)).json<Json>();
    expect(Object.keys(body).sort()).toEqual(["feedbackByModule", "persona", "recentActions"]);
    expect(body.feedbackByModule).toEqual([expect.objectContaining({ module: "todo", avgRating: 3, meanRating: 4.67 })]);
  });

  it("requires the service key and answers 404 for an unknown persona", async () => {
    expect((await admin("/personas", "")).status).toBe(401);
    expect((await admin("/personas/nobody")).status).toBe(404);
  });
});

describe("control surface", () => {
  it("arms a fault for the next N requests of a route, then answers normally", async () => {
    expect((await armFault({ route: "due", status: 500, times: 2 })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const response = await internal("/personas/due");
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ statusCode: 500, message: "Internal Server Error" });
    }
    expect((await internal("/personas/due")).status).toBe(200);
  });

  it("answers login faults in the login envelope and creates no session", async () => {
    await armFault({ route: "login", status: 503 });
    const response = await login(ANNA);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: expect.any(String), status: 503 });
    expect((await rows(anna)).sessions).toBe(0);
    expect((await login(ANNA)).status).toBe(200);
  });

  it("writes nothing and leaves the persona due while an actions fault is armed", async () => {
    await armFault({ route: "actions", status: 502, times: 1 });
    expect((await postActions(anna, [action("t", "todo.create")])).status).toBe(502);
    expect((await rows(anna)).actions).toEqual([]);
    expect(await dueEmails()).toContain(ANNA);
  });

  it.each(["feedback", "memberships"])("arms %s faults", async (route) => {
    await armFault({ route, status: 503 });
    const response =
      route === "feedback"
        ? await postFeedback(anna, [{ tickId: "t", module: "todo", rating: 3 }])
        : await internal(`/users/${anna}/memberships`);
    expect(response.status).toBe(503);
  });

  it("sets personas' cadence, so an hourly persona is due again an hour after it was active", async () => {
    await setClock(WEDNESDAY);
    await postActions(anna, [action("t", "todo.create")]);
    await setClock(at(WEDNESDAY, HOUR));
    expect(await dueEmails()).not.toContain(ANNA);
    const changed = await call("/__stack/auth/cadence", { method: "PUT", body: JSON.stringify({ cadence: "hourly", userIds: [anna] }) });
    expect(await changed.json()).toEqual({ ok: true, personas: 1 });
    expect(await dueEmails()).toContain(ANNA);
    expect((await persona(ANNA)).tickCadence).toBe("hourly");
    const bad = await call("/__stack/auth/cadence", { method: "PUT", body: JSON.stringify({ cadence: "minutely" }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("cadence");
  });

  it("rejects an unknown fault route", async () => {
    expect((await armFault({ route: "mcp", status: 500 })).status).toBe(400);
  });

  it("hard-deletes a persona so later calls about it 404", async () => {
    expect((await call(`/__stack/auth/personas/${anna}`, { method: "DELETE" })).status).toBe(200);
    expect(await dueEmails()).not.toContain(ANNA);
    expect((await postActions(anna, [action("t", "todo.create")])).status).toBe(404);
    expect((await postFeedback(anna, [{ tickId: "t", module: "todo", rating: 3 }])).status).toBe(404);
    expect((await login(ANNA)).status).toBe(401);
    expect(await (await internal(`/users/${anna}/memberships`)).json()).toEqual({ userId: anna, memberships: [] });
    expect((await call(`/__stack/auth/personas/${anna}`, { method: "DELETE" })).status).toBe(404);
  });

  it("seeds synthetic personas under a prefix, replacing the catalog, with working logins", async () => {
    const seeded = await postJson("/__stack/auth/seed", { count: 3, toolCalls: 6, prefix: "bench-a" });
    expect(await seeded.json()).toEqual({ ok: true, count: 3 });
    expect(await dueEmails()).toEqual(["persona.bench-a0@mana.test", "persona.bench-a1@mana.test", "persona.bench-a2@mana.test"]);
    expect((await persona("persona.bench-a1@mana.test")).systemPrompt).toContain("[stand-in tool calls: 6]");
    expect((await login("persona.bench-a2@mana.test")).status).toBe(200);
    const invalid = await postJson("/__stack/auth/seed", { count: 3, prefix: "Not Valid!" });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as Json).error).toMatch(/prefix/);
  });

  it("returns the clock to real time with null", async () => {
    expect(await (await setClock(WEDNESDAY)).json()).toEqual({ now: WEDNESDAY, fixed: true });
    const { now, fixed } = await (await setClock(null)).json<Json>();
    expect(fixed).toBe(false);
    expect(Math.abs(Date.parse(now) - Date.now())).toBeLessThan(60_000);
  });

  it("resets everything: rows, clock, faults and lockouts", async () => {
    await setClock(WEDNESDAY);
    await postActions(anna, [action("t", "todo.create")]);
    await armFault({ route: "due", status: 500, times: 5 });
    for (let i = 0; i < 5; i++) await login(BEN, "wrong");
    await call(`/__stack/auth/personas/${anna}`, { method: "DELETE" });
    await call("/__stack/reset", { method: "POST" });
    // The clock is back on real time; which personas real time lists depends on the weekday, so the rows are
    // checked on a pinned weekday again.
    expect(Math.abs(Date.parse((await due()).serverTime) - Date.now())).toBeLessThan(60_000);
    await setClock(WEDNESDAY);
    expect((await due()).personas).toHaveLength(10);
    expect((await rows(anna)).actions).toEqual([]);
    expect((await login(BEN)).status).toBe(200);
  });
});

describe("defect mode loginDown", () => {
  const probe = () => postJson("/api/v1/auth/login", {});

  it("every login answers the status in its envelope before validation, the rest of mana-auth works, off restores logins", async () => {
    const up = await probe();
    expect(up.status).toBe(400);
    expect(await up.json()).toMatchObject({ error: "VALIDATION", status: 400 });

    expect(await defects.auth({ loginDown: true })).toEqual({ loginDown: { status: 503 } });
    for (const response of [await probe(), await login(ANNA), await call("/api/v1/auth/login", { method: "POST", body: "{" })]) {
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: "SERVICE_UNAVAILABLE", message: "Service Unavailable", status: 503 });
    }
    const signedIn = await signIn(ANNA);
    expect(signedIn.status).toBe(503);
    expect(signedIn.headers.get("set-cookie")).toBeNull();
    expect(await signedIn.json()).toEqual({ message: "Service Unavailable", code: "SERVICE_UNAVAILABLE" });
    expect((await rows(anna)).sessions).toBe(0);
    expect((await internal("/personas/due")).status).toBe(200);
    expect((await postActions(anna, [action("t", "todo.create")])).status).toBe(200);
    expect((await internal(`/users/${anna}/memberships`)).status).toBe(200);

    expect(await defects.auth({ loginDown: { status: 500 } })).toEqual({ loginDown: { status: 500 } });
    const internalError = await login(BEN);
    expect(internalError.status).toBe(500);
    expect(await internalError.json()).toEqual({ error: "INTERNAL", message: "Internal Server Error", status: 500 });
    expect(await (await call("/__stack/auth/defects")).json()).toEqual({ loginDown: { status: 500 } });

    expect(await defects.auth({ loginDown: null })).toEqual({ loginDown: null });
    expect((await login(ANNA)).status).toBe(200);
    expect((await signIn(ANNA)).status).toBe(200);
    expect((await probe()).status).toBe(400);
  });

  it("does not count toward the lockout, keeps a key left out, and ends on reset", async () => {
    await defects.auth({ loginDown: { status: 504 } });
    for (let i = 0; i < 6; i++) expect((await login(ANNA, "wrong")).status).toBe(504);
    expect(await defects.auth({})).toEqual({ loginDown: { status: 504 } });
    await defects.auth({ loginDown: false });
    expect((await login(ANNA)).status).toBe(200);
    await defects.auth({ loginDown: true });
    await call("/__stack/reset", { method: "POST" });
    expect(await (await call("/__stack/auth/defects")).json()).toEqual({ loginDown: null });
    expect((await login(ANNA)).status).toBe(200);
  });

  it.each([
    [{ loginDown: { status: 501 } }, /^loginDown\.status: /],
    [{ loginDown: "yes" }, /^loginDown: /],
    [{ loginDwon: true }, /loginDwon/],
  ])("refuses %j with 400 naming the field", async (body, message) => {
    const response = await call("/__stack/auth/defects", { method: "PUT", body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatch(message);
  });
});
