/** @module The Claude stand-in: auth, validation in the real wording, deterministic persona play, prompt cache, faults, holds, defects, stats. */
import Anthropic from "@anthropic-ai/sdk";
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import catalog from "./catalog.json";
import { PromptCache, type Segment } from "./claude/cache";
import { defects } from "../helpers";
import { Gate, HOLD_LIMIT_MS } from "./gate";

const stack = env.STACK;
const MESSAGES = "http://stack.test/v1/messages";
const HEADERS = { "content-type": "application/json", "x-api-key": "stand-in-key", "anthropic-version": "2023-06-01" };
const MODEL = "claude-sonnet-4-6";

/** mana-mcp's tools as the runner offers them (docs/contracts.md §2): API-safe names, JSON Schema from zod. */
const emotion = z.enum(["happy", "calm", "tired", "sad", "stressed", "grateful"]);
const MANA_TOOLS = {
  todo_create: z.object({
    title: z.string().min(1).max(500),
    description: z.string().optional(),
    priority: z.enum(["low", "medium", "high", "urgent"]).default("medium"),
    dueDate: z.iso.datetime().nullable().default(null),
  }),
  todo_list: z.object({ includeCompleted: z.boolean().default(false), limit: z.number().int().max(500).default(50) }),
  todo_complete: z.object({ id: z.uuid() }),
  journal_add: z.object({
    content: z.string().min(1).max(200_000),
    title: z.string().max(500).nullable().default(null),
    entryDate: z.iso.date().optional(),
    mood: z.enum(["dankbar", "glücklich", "neutral", "gestresst"]).nullable().default(null),
    tags: z.array(z.string()).default([]),
  }),
  mood_log: z.object({
    level: z.number().int().min(1).max(10),
    emotion,
    secondaryEmotions: z.array(emotion).max(5).default([]),
    withWhom: z.string().default(""),
    notes: z.string().default(""),
    date: z.iso.date(),
    time: z.string().regex(/^\d{2}:\d{2}$/),
  }),
  mood_recent: z.object({ days: z.number().int().min(1).max(90).default(7), limit: z.number().int().min(1).max(200).default(50) }),
  notes_create: z.object({
    title: z.string().min(1).max(500),
    content: z.string().default(""),
    color: z.string().nullable().default(null),
    isPinned: z.boolean().default(false),
  }),
  notes_search: z.object({ query: z.string().default(""), limit: z.number().int().max(100).default(20) }),
  habits_create: z.object({
    title: z.string().min(1).max(120),
    icon: z.string().default("star"),
    color: z.string().regex(/^#[0-9a-f]{6}$/i).default("#6366f1"),
    targetPerDay: z.number().int().positive().nullable().default(null),
  }),
  habits_archive: z.object({ id: z.uuid(), archived: z.boolean().default(true) }),
  spaces_list: z.object({}),
} satisfies Record<string, z.ZodObject>;

type ToolName = keyof typeof MANA_TOOLS;

function manaTools(names: readonly ToolName[] = Object.keys(MANA_TOOLS) as ToolName[]): Anthropic.Tool[] {
  return names.map((name) => ({
    name,
    description: `mana-mcp ${name.replace("_", ".")}`,
    input_schema: z.toJSONSchema(MANA_TOOLS[name], { target: "draft-7", io: "input" }) as Anthropic.Tool.InputSchema,
  }));
}

const anna = catalog.personas[0]!;
const briefing = (modules: readonly string[]) =>
  `Heute ist ein normaler Tag. Nutze Mana so, wie du es tun würdest.\nBevorzugte Module: ${modules.join(", ")}`;

function annaRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: MODEL,
    max_tokens: 1024,
    system: anna.systemPrompt,
    tools: manaTools(),
    messages: [{ role: "user", content: briefing(Object.keys(anna.moduleMix)) }],
    ...extra,
  };
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return stack.fetch(MESSAGES, { method: "POST", headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) });
}

async function create(body: unknown, headers: Record<string, string> = {}): Promise<Anthropic.Message> {
  const response = await post(body, headers);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

async function expectError(response: Response, status: number, type: string, message?: unknown): Promise<void> {
  const body = (await response.json()) as { type: string; error: { type: string; message: string } };
  expect(response.status).toBe(status);
  expect(response.headers.get("request-id")).toMatch(/^req_/);
  expect(body.type).toBe("error");
  expect(body.error.type).toBe(type);
  if (message !== undefined) expect(body.error.message).toEqual(message);
}

const toolUsesOf = (message: Anthropic.Message) =>
  message.content.filter((block): block is Anthropic.ToolUseBlock => block.type === "tool_use");

/** A minimal mana-mcp: validates like the real one and returns JSON with ids, so follow-up calls can use them. */
function execute(use: Anthropic.ToolUseBlock, seen: string[]): Anthropic.ToolResultBlockParam {
  const parsed = MANA_TOOLS[use.name as ToolName].safeParse(use.input);
  if (!parsed.success) {
    return { type: "tool_result", tool_use_id: use.id, is_error: true, content: `MCP error -32602: Input validation error` };
  }
  const id = crypto.randomUUID();
  seen.push(id);
  const record = { id, ...parsed.data };
  const body = /_(list|search|recent)$/.test(use.name) ? { items: [record] } : record;
  return { type: "tool_result", tool_use_id: use.id, content: [{ type: "text", text: JSON.stringify(body, null, 2) }] };
}

interface Day {
  answers: Anthropic.Message[];
  messages: Anthropic.MessageParam[];
  calls: PlayedCall[];
}

/** A call of the day: whether its input fits the schema and, for a tool taking an id, whether a result had it. */
interface PlayedCall {
  use: Anthropic.ToolUseBlock;
  valid: boolean;
  knownId?: boolean;
}

/**
 * The runner's main loop, driven by hand: feed tool results back until the persona stops. Strict, it expects every
 * call valid and acting on ids it has seen; not strict (the model's mistakes switched on), it records both.
 */
async function playDay(system: string, firstUser: string, tools = manaTools(), strict = true): Promise<Day> {
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: firstUser }];
  const answers: Anthropic.Message[] = [];
  const calls: PlayedCall[] = [];
  const seen: string[] = [];
  for (let turn = 0; turn < 12; turn++) {
    const answer = await create({ model: MODEL, max_tokens: 1024, system, tools, messages });
    answers.push(answer);
    messages.push({ role: "assistant", content: answer.content });
    if (answer.stop_reason !== "tool_use") break;
    for (const use of toolUsesOf(answer)) {
      const schema = MANA_TOOLS[use.name as ToolName];
      const call: PlayedCall = { use, valid: schema.safeParse(use.input).success };
      if ("id" in schema.shape) call.knownId = seen.includes((use.input as { id: string }).id);
      if (strict) expect([call.valid, call.knownId ?? true], `${use.name} ${JSON.stringify(use.input)}`).toEqual([true, true]);
      calls.push(call);
    }
    messages.push({ role: "user", content: toolUsesOf(answer).map((use) => execute(use, seen)) });
  }
  return { answers, messages, calls };
}

async function stats(): Promise<{
  received: number;
  receivedBySystem: Record<string, number>;
  requests: number;
  byStatus: Record<string, number>;
  usage: Anthropic.Usage;
  log: { model: string; stop_reason: string | null; toolCount: number; system: string; status: number }[];
}> {
  return (await stack.fetch("http://stack.test/__stack/claude/stats")).json();
}

async function scriptFaults(script: unknown): Promise<void> {
  const response = await stack.fetch("http://stack.test/__stack/claude/faults", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(script),
  });
  expect(response.status).toBe(200);
}

async function control(path: string, init: RequestInit = {}): Promise<Response> {
  return stack.fetch(`http://stack.test/__stack/claude/${path}`, init);
}

const heldCount = async (query: string): Promise<unknown> => (await control(`held?${query}`)).json();
const release = async (): Promise<unknown> => (await control("release", { method: "POST" })).json();
const putDefects = (body: unknown) => control("defects", { method: "PUT", body: JSON.stringify(body) });
/** The defect state with every mode off. */
const OFF = { ratingDrop: null, invalidArgs: null, madeUpIds: null };

beforeEach(async () => {
  await stack.fetch("http://stack.test/__stack/reset", { method: "POST" });
});

describe("authentication", () => {
  it("refuses a request without x-api-key (401 authentication_error)", async () => {
    const response = await post(annaRequest(), { "x-api-key": "" });
    await expectError(response, 401, "authentication_error", "x-api-key header is required");
  });

  it("accepts Authorization: Bearer instead of x-api-key", async () => {
    const response = await post(annaRequest(), { "x-api-key": "", authorization: "Bearer stand-in-key" });
    expect(response.status).toBe(200);
  });
});

describe("request validation (400 invalid_request_error, real wording)", () => {
  const user = (content: unknown) => ({ role: "user", content });
  const assistant = (content: unknown) => ({ role: "assistant", content });
  const use = (id: string) => ({ type: "tool_use", id, name: "todo_list", input: {} });
  const result = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "[]" });

  it.each(["model", "max_tokens", "messages"])("requires %s", async (field) => {
    const body = annaRequest();
    delete body[field];
    await expectError(await post(body), 400, "invalid_request_error", `${field}: Field required`);
  });

  it.each([
    [{ max_tokens: 0 }, "max_tokens: Input should be greater than or equal to 1"],
    [{ messages: [] }, "messages: List should have at least 1 item after validation, not 0"],
    [{ max_tokens: "many" }, "max_tokens: Input should be a valid number"],
    [{ temprature: 0.5 }, "temprature: Extra inputs are not permitted"],
    [{ messages: [{ role: "user", content: [{ type: "txt", text: "Hallo" }] }] }, expect.stringMatching(/^messages\.0\.content\.0: Input tag 'txt'/)],
  ])("refuses a malformed body %j", async (patch, message) => {
    await expectError(await post(annaRequest(patch)), 400, "invalid_request_error", message);
  });

  it("requires the anthropic-version header", async () => {
    const response = await post(annaRequest(), { "anthropic-version": "" });
    await expectError(response, 400, "invalid_request_error", "anthropic-version: header is required");
  });

  it("answers an unknown model with 404 not_found_error", async () => {
    await expectError(await post(annaRequest({ model: "gpt-4o" })), 404, "not_found_error", "model: gpt-4o");
  });

  it("refuses a tool name outside ^[a-zA-Z0-9_-]{1,64}$ (the MCP name with its dot)", async () => {
    const tools = [{ ...manaTools(["todo_list"])[0]!, name: "todo.list" }];
    await expectError(
      await post(annaRequest({ tools })),
      400,
      "invalid_request_error",
      "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
    );
  });

  it("refuses an input_schema that is not an object schema", async () => {
    const tools = [{ name: "todo_list", input_schema: { type: "string" } }];
    await expectError(
      await post(annaRequest({ tools })),
      400,
      "invalid_request_error",
      "tools.0.custom.input_schema.type: Input should be 'object'",
    );
  });

  it("refuses a first message that is not from the user", async () => {
    const body = annaRequest({ messages: [assistant("Hallo"), user("Hi")] });
    await expectError(await post(body), 400, "invalid_request_error", 'messages: first message must use the "user" role');
  });

  it("refuses roles that do not alternate", async () => {
    const body = annaRequest({ messages: [user("Hallo"), user("Noch da?")] });
    await expectError(
      await post(body),
      400,
      "invalid_request_error",
      'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
    );
  });

  it("refuses a tool_use not answered in the next message", async () => {
    const body = annaRequest({ messages: [user("Los"), assistant([use("toolu_a"), use("toolu_b")]), user([result("toolu_a")])] });
    await expectError(
      await post(body),
      400,
      "invalid_request_error",
      "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_b. " +
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    );
  });

  it("counts only tool_results that come first in the next message", async () => {
    const late = [{ type: "text", text: "Hier:" }, result("toolu_a")];
    const body = annaRequest({ messages: [user("Los"), assistant([use("toolu_a")]), user(late)] });
    const response = await post(body);
    await expectError(response, 400, "invalid_request_error");
  });

  it("refuses a trailing tool_use without an answer (it is not a valid prefill)", async () => {
    const body = annaRequest({ messages: [user("Los"), assistant([{ type: "text", text: "Moment" }, use("toolu_a")])] });
    await expectError(
      await post(body),
      400,
      "invalid_request_error",
      "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a. " +
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    );
  });

  it("refuses a tool_result for a tool_use that is not in the previous message", async () => {
    const body = annaRequest({
      messages: [user("Los"), assistant([use("toolu_a")]), user([result("toolu_a"), result("toolu_zz")])],
    });
    await expectError(
      await post(body),
      400,
      "invalid_request_error",
      "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_zz. " +
        "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
    );
  });

  it("refuses more than 4 cache_control blocks", async () => {
    const marked = (text: string) => ({ type: "text", text, cache_control: { type: "ephemeral" } });
    const body = annaRequest({
      system: [marked("a"), marked("b"), marked("c")],
      messages: [user([marked("d"), marked("e")])],
    });
    await expectError(
      await post(body),
      400,
      "invalid_request_error",
      "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    );
  });

  it("refuses tool_use history in a request without tools (a rating turn must flatten it)", async () => {
    const body = annaRequest({
      tools: undefined,
      messages: [user("Los"), assistant([use("toolu_a")]), user([result("toolu_a"), { type: "text", text: "Module: todo" }])],
    });
    await expectError(
      await post(body),
      400,
      "invalid_request_error",
      "Requests which include `tool_use` or `tool_result` blocks must define tools.",
    );
  });

  it("refuses an unknown fault header instead of ignoring a typo", async () => {
    await expectError(await post(annaRequest(), { "x-stand-in-fault": "429x" }), 400, "invalid_request_error");
  });
});

describe("persona play", () => {
  it("plays a deterministic day: 3–8 valid calls mostly in its own modules, a parallel pair, then end_turn", async () => {
    const day = await playDay(anna.systemPrompt, briefing(Object.keys(anna.moduleMix)));
    const last = day.answers.at(-1)!;
    const calls = day.answers.flatMap(toolUsesOf);
    expect(last.stop_reason).toBe("end_turn");
    expect(last.content).toEqual([{ type: "text", text: expect.stringMatching(/^Fertig für heute/) }]);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(8);
    expect(day.answers.some((answer) => toolUsesOf(answer).length === 2)).toBe(true);
    expect(new Set(calls.map((call) => call.id)).size).toBe(calls.length);
    for (const call of calls) expect(call.id).toMatch(/^toolu_[A-Za-z0-9]{24}$/);
    // Mostly her own modules; now and then she tries another one, as people do.
    const preferred = calls.filter((call) => Object.keys(anna.moduleMix).includes(call.name.split("_")[0]!));
    expect(preferred.length).toBeGreaterThan(calls.length / 2);

    const again = await create(annaRequest());
    expect(again.content).toEqual(day.answers[0]!.content);
  });

  it("plays every catalog persona with schema-valid arguments", async () => {
    const counts = new Set<number>();
    for (const persona of catalog.personas) {
      const day = await playDay(persona.systemPrompt, briefing(Object.keys(persona.moduleMix)));
      expect(day.answers.at(-1)!.stop_reason).toBe("end_turn");
      counts.add(day.answers.flatMap(toolUsesOf).length);
    }
    expect(counts.size).toBeGreaterThan(1);
  });

  it("acts on a record seen in an earlier tool result (todo_complete gets a real id)", async () => {
    const tools = manaTools(["todo_list", "todo_complete"]);
    const day = await playDay("Du bist Maya. Bevorzugte Module: todo", "Los geht's", tools);
    const completes = day.answers.flatMap(toolUsesOf).filter((call) => call.name === "todo_complete");
    expect(completes.length).toBeGreaterThan(0);
  });

  it("answers a tool-less turn with a `Module:` line with the rating JSON for exactly those modules", async () => {
    const body = {
      model: MODEL,
      max_tokens: 1024,
      system: anna.systemPrompt,
      messages: [{ role: "user", content: "Bewerte deinen Tag als JSON.\nModule: todo, mood, journal" }],
    };
    const answer = await create(body);
    expect(answer.stop_reason).toBe("end_turn");
    const text = (answer.content[0] as Anthropic.TextBlock).text;
    const ratings = z
      .object({ ratings: z.array(z.object({ module: z.string(), rating: z.number().int().min(1).max(5), notes: z.string().min(10) })) })
      .parse(JSON.parse(text)).ratings;
    expect(ratings.map((rating) => rating.module)).toEqual(["todo", "mood", "journal"]);
    expect((await create(body)).content).toEqual(answer.content);
  });

  it("honours tool_choice: a forced tool comes alone and without text, `none` allows a rating turn", async () => {
    const forced = await create(annaRequest({ tool_choice: { type: "tool", name: "mood_log" } }));
    expect(forced.content).toEqual([expect.objectContaining({ type: "tool_use", name: "mood_log" })]);
    const none = annaRequest({ tool_choice: { type: "none" }, messages: [{ role: "user", content: "Module: mood" }] });
    expect(JSON.parse(((await create(none)).content[0] as Anthropic.TextBlock).text).ratings).toHaveLength(1);
  });

  it("answers other tool-less turns with a short German text", async () => {
    const answer = await create({ model: MODEL, max_tokens: 100, messages: [{ role: "user", content: "Wie war's?" }] });
    expect(answer.stop_reason).toBe("end_turn");
    expect(answer.content).toEqual([{ type: "text", text: expect.any(String) }]);
  });

  it("returns the real message envelope", async () => {
    const answer = await create(annaRequest());
    expect(answer).toMatchObject({ type: "message", role: "assistant", model: MODEL, stop_sequence: null });
    expect(answer.id).toMatch(/^msg_/);
    expect(Object.keys(answer.usage).sort()).toEqual([
      "cache_creation_input_tokens",
      "cache_read_input_tokens",
      "input_tokens",
      "output_tokens",
    ]);
  });
});

describe("prompt cache", () => {
  /** ~6 000 characters: above the 1024-token minimum together with the tools. */
  const longSystem = (marker = "") => [
    { type: "text", text: `${anna.systemPrompt} ${"Anna mag klare Listen. ".repeat(250)}${marker}`, cache_control: { type: "ephemeral" } },
  ];
  const turn = (text: string) => ({ messages: [{ role: "user", content: text }] });

  it("writes the prefix on the first request and reads it on the second", async () => {
    const first = await create(annaRequest({ system: longSystem(), ...turn("Tag 1") }));
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(first.usage.cache_read_input_tokens).toBe(0);

    const second = await create(annaRequest({ system: longSystem(), ...turn("Ein ganz anderer Tag") }));
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBeGreaterThan(0);
  });

  it("misses when the tool list comes in another order", async () => {
    const tools = manaTools();
    await create(annaRequest({ system: longSystem(), tools }));
    const reordered = await create(annaRequest({ system: longSystem(), tools: [...tools].reverse() }));
    expect(reordered.usage.cache_read_input_tokens).toBe(0);
    expect(reordered.usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });

  it("reads the previous turn's prefix when the breakpoint moves along the conversation", async () => {
    const marked = (text: string) => [{ type: "text", text, cache_control: { type: "ephemeral" } }];
    const base = { system: longSystem(), tools: manaTools(["spaces_list"]) };
    const first = await create(annaRequest({ ...base, messages: [{ role: "user", content: marked("Hallo") }] }));
    const second = await create(
      annaRequest({
        ...base,
        messages: [
          { role: "user", content: [{ type: "text", text: "Hallo" }] },
          { role: "assistant", content: "Hi!" },
          { role: "user", content: marked("Weiter") },
        ],
      }),
    );
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.input_tokens).toBe(0);
  });

  it("caches nothing below the model's minimum length (4096 tokens for haiku-4-5)", async () => {
    const body = annaRequest({ model: "claude-haiku-4-5", system: longSystem() });
    const first = await create(body);
    const second = await create(body);
    expect(first.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
  });
});

describe("faults", () => {
  it.each([
    ["429;retry-after=3", 429, "rate_limit_error"],
    ["529", 529, "overloaded_error"],
    ["500", 500, "api_error"],
  ])("header %s answers %i %s", async (fault, status, type) => {
    const response = await post(annaRequest(), { "x-stand-in-fault": fault });
    if (status === 429) expect(response.headers.get("retry-after")).toBe("3");
    await expectError(response, status, type);
  });

  it("delays the answer", async () => {
    const started = Date.now();
    const response = await post(annaRequest(), { "x-stand-in-fault": "delay=300" });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("cuts an answer off at max_tokens with an input-less trailing tool_use", async () => {
    const answer = await create(annaRequest(), { "x-stand-in-fault": "max-tokens" });
    expect(answer.stop_reason).toBe("max_tokens");
    expect(answer.content[0]!.type).toBe("text");
    expect(answer.content.at(-1)).toMatchObject({ type: "tool_use", input: {} });
    expect(answer.usage.output_tokens).toBe(1024);
  });

  it("also stops at max_tokens when the request allows too few", async () => {
    const answer = await create(annaRequest({ max_tokens: 5 }));
    expect(answer.stop_reason).toBe("max_tokens");
  });

  it("sends a tool_use whose input breaks the schema", async () => {
    const answer = await create(annaRequest(), { "x-stand-in-fault": "invalid-arg" });
    const [use] = toolUsesOf(answer);
    expect(answer.stop_reason).toBe("tool_use");
    expect(MANA_TOOLS[use!.name as ToolName].safeParse(use!.input).success).toBe(false);
  });

  it("answers a rating turn with text that is not JSON", async () => {
    const body = { model: MODEL, max_tokens: 500, messages: [{ role: "user", content: "Module: todo, mood" }] };
    const answer = await create(body, { "x-stand-in-fault": "malformed-rating" });
    const text = (answer.content[0] as Anthropic.TextBlock).text;
    expect(() => JSON.parse(text)).toThrow();
  });

  it("consumes scripted faults in order, only for the persona they match", async () => {
    await scriptFaults({ faults: [{ fault: "429", retryAfter: 2 }, { fault: "529" }, { fault: "500" }], match: "Du bist Anna" });
    const ben = { ...annaRequest(), system: catalog.personas[1]!.systemPrompt };
    expect((await post(ben)).status).toBe(200);
    const first = await post(annaRequest());
    expect(first.headers.get("retry-after")).toBe("2");
    await expectError(first, 429, "rate_limit_error");
    await expectError(await post(annaRequest()), 529, "overloaded_error");
    await expectError(await post(annaRequest()), 500, "api_error");
    expect((await post(annaRequest())).status).toBe(200);
  });

  it("keeps a scripted content fault for the turn it can affect", async () => {
    await scriptFaults({ faults: [{ fault: "malformed-rating" }, { fault: "delay", ms: 10 }, { fault: "max-tokens" }, { fault: "invalid-arg" }] });
    const toolTurn = await create(annaRequest());
    expect(toolTurn.stop_reason).not.toBe("max_tokens");
    const cut = await create(annaRequest());
    expect(cut.stop_reason).toBe("max_tokens");
    const invalid = await create(annaRequest());
    const [use] = toolUsesOf(invalid);
    expect(MANA_TOOLS[use!.name as ToolName].safeParse(use!.input).success).toBe(false);
    const rating = await create({ model: MODEL, max_tokens: 500, messages: [{ role: "user", content: "Module: todo" }] });
    expect(() => JSON.parse((rating.content[0] as Anthropic.TextBlock).text)).toThrow();
  });
});

describe("hold fault", () => {
  const ben = () => ({ ...annaRequest(), system: catalog.personas[1]!.systemPrompt });

  it("holds the matching request until released, then answers it as if it had not been held", async () => {
    const unheld = await create(annaRequest());
    await scriptFaults({ faults: [{ fault: "hold" }], match: "Du bist Anna" });
    const pending = post(annaRequest());
    expect(await heldCount("atLeast=1")).toEqual({ held: 1 });
    expect((await post(ben())).status).toBe(200);
    expect(await heldCount("atLeast=2&waitMs=20")).toEqual({ held: 1 });

    expect(await release()).toEqual({ released: 1 });
    const answer = (await (await pending).json()) as Anthropic.Message;
    expect(answer.content).toEqual(unheld.content);
    expect(await heldCount("waitMs=0")).toEqual({ held: 0 });
    expect((await post(annaRequest())).status).toBe(200);
  });

  it("counts a held request on arrival, by system prompt, before it is answered", async () => {
    const pending = post(annaRequest(), { "x-stand-in-fault": "hold" });
    await heldCount("atLeast=1");
    await post(ben());
    const during = await stats();
    expect(during.received).toBe(2);
    expect(during.receivedBySystem).toEqual({
      [anna.systemPrompt.slice(0, 60)]: 1,
      [catalog.personas[1]!.systemPrompt.slice(0, 60)]: 1,
    });
    expect(during.requests).toBe(1);
    await release();
    expect((await pending).status).toBe(200);
    expect((await stats()).requests).toBe(2);
  });

  it("counts a request whose client gave up while it was held", async () => {
    const abandon = new AbortController();
    const headers = { ...HEADERS, "x-stand-in-fault": "hold" };
    const body = JSON.stringify(annaRequest());
    const pending = stack.fetch(MESSAGES, { method: "POST", headers, body, signal: abandon.signal }).catch((error: unknown) => error);
    expect(await heldCount("atLeast=1")).toEqual({ held: 1 });
    abandon.abort();
    expect(await pending).toBeInstanceOf(Error);
    expect(await stats()).toMatchObject({ received: 1, receivedBySystem: { [anna.systemPrompt.slice(0, 60)]: 1 }, requests: 0 });
    await release();
  });

  it("releases every held request on reset", async () => {
    const first = post(annaRequest(), { "x-stand-in-fault": "hold" });
    const second = post(annaRequest(), { "x-stand-in-fault": "hold" });
    expect(await heldCount("atLeast=2")).toEqual({ held: 2 });
    await stack.fetch("http://stack.test/__stack/reset", { method: "POST" });
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(await heldCount("waitMs=0")).toEqual({ held: 0 });
    expect((await stats()).requests).toBe(0);
  });

  it("refuses a wait longer than a minute or a count that is not a number, naming the parameter", async () => {
    const tooLong = await control("held?waitMs=60001");
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: string }).error).toMatch(/^waitMs: /);
    expect(((await (await control("held?atLeast=two")).json()) as { error: string }).error).toMatch(/^atLeast: /);
  });

  it("lets a held request go by itself after the limit, a minute in the stand-in", async () => {
    expect(HOLD_LIMIT_MS).toBe(60_000);
    const gate = new Gate();
    const held = gate.hold(10);
    expect(gate.held).toBe(1);
    await held;
    expect(gate.held).toBe(0);
    expect(gate.release()).toBe(0);
  });
});

describe("defect modes", () => {
  const ratingBody = {
    model: MODEL,
    max_tokens: 500,
    system: anna.systemPrompt,
    messages: [{ role: "user", content: "Bewerte deinen Tag als JSON.\nModule: todo, mood" }],
  };
  const ratings = async (): Promise<{ module: string; rating: number; notes: string }[]> =>
    JSON.parse(((await create(ratingBody)).content[0] as Anthropic.TextBlock).text).ratings;

  afterEach(() => {
    vi.useRealTimers();
  });

  it("ratingDrop: from the given UTC day on, the module gets the dropped rating with matching notes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-19T23:59:59.999Z"));
    const before = await ratings();
    expect(before[0]!.rating).toBeGreaterThan(1);

    const set = await putDefects({ ratingDrop: { module: "todo", from: "2026-11-20" } });
    expect(await set.json()).toEqual({ ...OFF, ratingDrop: { module: "todo", from: "2026-11-20", rating: 1 } });
    expect(await ratings()).toEqual(before);

    vi.setSystemTime(new Date("2026-11-20T00:00:00.000Z"));
    const after = await ratings();
    expect(after[0]).toEqual({ module: "todo", rating: 1, notes: "Mit Todo bin ich heute gar nicht klargekommen." });
    expect(after[1]).toEqual(before[1]);

    await putDefects({ ratingDrop: { module: "mood", from: "2026-11-01", rating: 2 } });
    expect(await ratings()).toEqual([before[0], { module: "mood", rating: 2, notes: "Mood hat mich eher genervt, vieles war umständlich." }]);
  });

  it("switches off with null and on reset, and answers the state on GET", async () => {
    const drop = { ratingDrop: { module: "todo", from: "2026-01-01", rating: 3 } };
    await putDefects(drop);
    expect(await (await control("defects")).json()).toEqual({ ...OFF, ...drop });
    expect(await (await putDefects({})).json()).toEqual({ ...OFF, ...drop });
    expect(await (await putDefects({ ratingDrop: null })).json()).toEqual(OFF);
    await putDefects({ ratingDrop: { module: "todo", from: "2026-01-01" }, invalidArgs: { rate: 0.1 }, madeUpIds: { rate: 0.2 } });
    await stack.fetch("http://stack.test/__stack/reset", { method: "POST" });
    expect(await (await control("defects")).json()).toEqual(OFF);
  });

  it.each([
    [{ ratingDrop: { module: "todo", from: "20.11.2026" } }, /^ratingDrop\.from: /],
    [{ ratingDrop: { module: "todo", from: "2026-11-20", rating: 6 } }, /^ratingDrop\.rating: /],
    [{ ratingDrop: { from: "2026-11-20" } }, /^ratingDrop\.module: /],
    [{ ratingDorp: null }, /ratingDorp/],
    [{ invalidArgs: { rate: 0 } }, /^invalidArgs\.rate: /],
    [{ invalidArgs: { rate: 1.2 } }, /^invalidArgs\.rate: /],
    [{ madeUpIds: true }, /^madeUpIds: /],
    [{ madeUpIds: { rate: "0.5" } }, /^madeUpIds\.rate: /],
  ])("refuses %j with 400 naming the field", async (body, message) => {
    const response = await putDefects(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });
});

describe("defect modes: the model's mistakes", () => {
  /** Every catalog persona plays a day with the given tools; the calls they made, in order. */
  const everyonesCalls = async (tools = manaTools()): Promise<PlayedCall[]> => {
    const calls: PlayedCall[] = [];
    for (const persona of catalog.personas) {
      calls.push(...(await playDay(persona.systemPrompt, briefing(Object.keys(persona.moduleMix)), tools, false)).calls);
    }
    return calls;
  };
  const share = (calls: PlayedCall[], mistaken: (call: PlayedCall) => boolean) => calls.filter(mistaken).length / calls.length;
  const idCalls = (calls: PlayedCall[]) => calls.filter((call) => call.knownId !== undefined);
  const TODO_IDS = manaTools(["todo_list", "todo_complete"]);
  /** Which calls went wrong: the results' ids are random, so the calls' own ids and inputs differ between days. */
  const pattern = (calls: PlayedCall[]) => calls.map((call) => [call.use.name, call.valid, call.knownId]);

  it("invalidArgs: that share of the calls leaves out a required field, the same calls every time, none once off", async () => {
    expect(await defects.claude({ invalidArgs: { rate: 0.3 } })).toEqual({ ...OFF, invalidArgs: { rate: 0.3 } });
    const calls = await everyonesCalls();
    expect(calls.length).toBeGreaterThan(40);
    const invalid = share(calls, (call) => !call.valid);
    expect(invalid).toBeGreaterThan(0.2);
    expect(invalid).toBeLessThan(0.4);
    for (const call of calls.filter((candidate) => !candidate.valid)) {
      const required = z.toJSONSchema(MANA_TOOLS[call.use.name as ToolName]).required ?? [];
      expect(required.some((field) => !(field in (call.use.input as object)))).toBe(true);
    }
    expect(pattern(await everyonesCalls())).toEqual(pattern(calls));

    await defects.claude({ invalidArgs: { rate: 1 } });
    expect(share(await everyonesCalls(), (call) => !call.valid)).toBe(1);
    await defects.claude({ invalidArgs: null });
    expect(share(await everyonesCalls(), (call) => !call.valid)).toBe(0);
  });

  it("madeUpIds: that share of the calls taking an id passes a well-formed uuid nobody answered, the same every time", async () => {
    await defects.claude({ madeUpIds: { rate: 0.5 } });
    const calls = idCalls(await everyonesCalls(TODO_IDS));
    expect(calls.length).toBeGreaterThan(15);
    const madeUp = share(calls, (call) => !call.knownId);
    expect(madeUp).toBeGreaterThan(0.3);
    expect(madeUp).toBeLessThan(0.7);
    for (const call of calls) expect(call.valid).toBe(true);
    expect(pattern(idCalls(await everyonesCalls(TODO_IDS)))).toEqual(pattern(calls));

    await defects.claude({ madeUpIds: { rate: 1 } });
    expect(share(idCalls(await everyonesCalls(TODO_IDS)), (call) => !call.knownId)).toBe(1);
    await defects.claude({ madeUpIds: false });
    expect(share(idCalls(await everyonesCalls(TODO_IDS)), (call) => !call.knownId)).toBe(0);
  });
});

describe("through the Anthropic SDK", () => {
  const client = new Anthropic({
    apiKey: "x",
    baseURL: "http://stack.test",
    fetch: (url, init) => stack.fetch(url, init as RequestInit),
    maxRetries: 0,
  });

  it("plays a tool turn and a rating turn", async () => {
    const params = annaRequest() as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const answer = await client.messages.create(params);
    expect(answer.stop_reason).toBe("tool_use");
    expect(toolUsesOf(answer).length).toBeGreaterThan(0);
    const rating = await client.messages.create({
      model: MODEL,
      max_tokens: 500,
      messages: [{ role: "user", content: "Module: notes" }],
    });
    expect(JSON.parse((rating.content[0] as Anthropic.TextBlock).text)).toMatchObject({ ratings: [{ module: "notes" }] });
  });

  it("surfaces a 429 as RateLimitError with the retry-after header", async () => {
    const params = annaRequest() as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const error = await client.messages.create(params, { headers: { "x-stand-in-fault": "429;retry-after=7" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers.get("retry-after")).toBe("7");
  });
});

describe("stats", () => {
  it("counts requests by status, sums usage and logs each request", async () => {
    await create(annaRequest());
    await post(annaRequest(), { "x-stand-in-fault": "529" });
    const snapshot = await stats();
    expect(snapshot.requests).toBe(2);
    expect(snapshot.byStatus).toEqual({ "200": 1, "529": 1 });
    expect(snapshot.usage.input_tokens).toBeGreaterThan(0);
    expect(snapshot.log[0]).toMatchObject({ model: MODEL, status: 200, system: anna.systemPrompt.slice(0, 60) });
    expect(snapshot.log[0]!.toolCount).toBeGreaterThan(0);
    expect(snapshot.log[1]).toMatchObject({ status: 529, stop_reason: null });
  });

  it("counts a request that fails validation under its system prompt, as its log entry", async () => {
    await post(annaRequest({ max_tokens: 0 }));
    const snapshot = await stats();
    expect(snapshot.receivedBySystem).toEqual({ [anna.systemPrompt.slice(0, 60)]: 1 });
    expect(snapshot.log[0]).toMatchObject({ status: 400, system: anna.systemPrompt.slice(0, 60) });
  });

  it("starts empty after POST /__stack/reset", async () => {
    await create(annaRequest());
    await stack.fetch("http://stack.test/__stack/reset", { method: "POST" });
    expect((await stats()).requests).toBe(0);
  });
});

describe("Claude stand-in: the prompt cache's lifetime", () => {
  const MINUTE = 60_000;
  const prompt = (ttlMs = 5 * MINUTE): Segment[] => [
    { key: "tools", tokens: 1500, breakpoint: false, ttlMs },
    { key: "tools+system", tokens: 500, breakpoint: true, ttlMs },
    { key: "tools+system+user", tokens: 40, breakpoint: false, ttlMs },
  ];

  it("reads a prefix written less than 5 minutes ago, and each read renews it", () => {
    const cache = new PromptCache();
    expect(cache.apply(prompt(), 1024, 0)).toEqual({ read: 0, written: 2000, uncached: 40 });
    expect(cache.apply(prompt(), 1024, 5 * MINUTE - 1000)).toEqual({ read: 2000, written: 0, uncached: 40 });
    expect(cache.apply(prompt(), 1024, 10 * MINUTE - 2000)).toMatchObject({ read: 2000 });
  });

  it("misses once 5 minutes passed without a read, and writes again", () => {
    const cache = new PromptCache();
    cache.apply(prompt(), 1024, 0);
    expect(cache.apply(prompt(), 1024, 5 * MINUTE + 1000)).toEqual({ read: 0, written: 2000, uncached: 40 });
  });

  it("keeps a 1-hour breakpoint for an hour", () => {
    const cache = new PromptCache();
    cache.apply(prompt(60 * MINUTE), 1024, 0);
    expect(cache.apply(prompt(60 * MINUTE), 1024, 59 * MINUTE)).toMatchObject({ read: 2000 });
  });

  it("caches nothing shorter than the model's minimum", () => {
    const cache = new PromptCache();
    expect(cache.apply(prompt(), 4096, 0)).toEqual({ read: 0, written: 0, uncached: 2040 });
    expect(cache.apply(prompt(), 4096, 1000)).toEqual({ read: 0, written: 0, uncached: 2040 });
  });
});
