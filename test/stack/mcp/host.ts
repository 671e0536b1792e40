/**
 * @module
 * The mana-mcp stand-in's control surface, for tests and the fault matrix; mana-mcp has nothing like it.
 *
 * POST /__stack/mcp/reset                     wipe app data and the execution log, forget sessions, faults and
 *                                             defects, release every held call → {"ok":true}
 * POST /__stack/mcp/restart                   a server restart: sessions and rate limits forgotten, data kept
 *                                             → {"ok":true}
 * POST /__stack/mcp/faults                    {"tool": dotted name | "*", "kind": "restart-before"|"lose-reply"|
 *                                             "http-500"|"http-401"|"slow"|"hold", "userId"?: id, "times"?: n ≥ 1
 *                                             (default 1), "ms"?: 0–60000 (slow only, default 5000)} stages a fault
 *                                             for the next n tools/calls of that tool (and user) → {"pending": n}
 * GET  /__stack/mcp/faults                    → {"pending": [{tool, kind, userId?, times, ms}]}
 * GET  /__stack/mcp/held?atLeast=N&waitMs=M   → {"held": n} as soon as n ≥ N (default 1) calls are held by a
 *                                             `hold` fault (or replies by slowTool), or after M ms (default 10000,
 *                                             max 60000) with n as it is
 * POST /__stack/mcp/release                   lets every held call run and reply (a hold also ends by itself after
 *                                             60 s; a call whose session a restart forgot meanwhile answers 404)
 *                                             → {"released": n}
 * PUT  /__stack/mcp/defects                   switches defect modes on; null or false switches one off, a key left
 *                                             out stays as it is → the state, as GET. A call a mode fails answers
 *                                             `Tool <name> failed: <reason>` as an isError result and never runs.
 *   "syncPullShape": true | {"tools": [name]} the tools that pull from mana-sync (registry facts) fail on its serverChanges
 *   "echoExclusion": true                     MCP reads never see rows written through MCP, nor MCP's changes to
 *                                             the rows the web app wrote
 *   "failingTool": {"tool", "reason"?,        that share of the tool's calls fails, evenly spread (call n since
 *     "rate"?: 0<r≤1 (default 1),             the mode was set fails when ⌊(n+1)r⌋ > ⌊nr⌋) or, with spread
 *     "spread"?: "even"|"random"}             "random", at seeded random (runs of successes included); without a
 *                                             reason a mana-sync push failure with a fresh row id, time and request
 *                                             number
 *   "noVault": true | {"userIds": [id]}       the tools that open the vault (registry facts) fail for those users
 *   "updateBlindReads": true                  pulls rebuild rows from their inserts only: no update, completion,
 *                                             archive, resolution, pin or reorder shows, in reads or in the tools
 *                                             that look a row up by pulling
 *   "readBackDiffers": {"tool", "field"}      the tool's writes answer what was asked, but what they store (and
 *                                             every read shows) differs in that field: the value before the write,
 *                                             else an altered one
 *   "moduleOutage": {"module", "reason"?}     every tool of the module fails; default reason
 *                                             `mana-sync push|pull failed: 503 Service Unavailable — no healthy
 *                                             upstream` (pull for the read tools)
 *   "down": true | {"status": 502|503|504}    (true: 503) every request to /mcp, before authentication and
 *                                             sessions, answers the status with a proxy's plain-text body; sessions
 *                                             stay and work again once it is switched off
 *   "slowTool": {"tool", "ms": 1–60000}       the tool's calls run and answer normally, each reply held back ms
 *                                             (counted in /held; /release lets it go early)
 *   "removedTools": {"tools": [name]}         sessions initialized meanwhile are not offered the tools; calling one
 *                                             answers `MCP error -32602: Tool <name> not found`
 *   "schemaChange": {"tool"}                  sessions initialized meanwhile see the tool with one more required
 *                                             string property, "origin" (1–200); calls without it answer
 *                                             `MCP error -32602: Input validation error: Invalid arguments for tool …`
 *   "failingUser": {"userId", "reason"?}      every tool call of that user fails; default reason
 *                                             `mana-auth /encryption-vault/key failed: HTTP 403 — {"error":"Forbidden"}`
 *   "transientFailures": {"rate": 0<r≤0.5}    noise: that share of all calls fails, never twice in a row for one
 *                                             tool; call n (counted over all tools and users since the mode was set)
 *                                             fails by a hash of n, with `mana-sync push|pull failed: 503 Service
 *                                             Unavailable — upstream connect error or disconnect/reset before
 *                                             headers. reset reason: connection termination` or `… 504 Gateway
 *                                             Timeout — upstream request timeout`
 *                                             A call checks failingUser, noVault, moduleOutage, syncPullShape,
 *                                             failingTool, transientFailures in that order; the first that fails
 *                                             it answers, and the later ones do not count it.
 * GET  /__stack/mcp/defects                   → every key above with its state or null ("down" as {"status"},
 *                                             "syncPullShape" as {"tools"}, the others as set)
 * GET  /__stack/mcp/executions                → {"executions": [{tool, userId, space, args, at}]}: every run of a
 *                                             tool handler, in order; calls refused before their tool runs (the
 *                                             restart-before and http-* faults, invalid arguments, rate limit,
 *                                             expired token, defect modes) are not in it; a slowTool's are
 * GET  /__stack/mcp/records?space=&kind=      → {"records": [stored record]} newest first, as stored (no defect
 *                                             applied). Kinds: todo, habit, note, journal, mood, augur-entry,
 *                                             comic-story, comic-character, picture, me-image, garment, outfit. A
 *                                             space's first session seeds what the web app already holds there
 *                                             (test/stack/mcp/web-app.ts)
 * GET  /__stack/mcp/stats                     → {"requests", "sessionsOpened", "sessionsClosed", "toolCalls",
 *                                             "restarts", "sessionsOpen"}
 * Invalid bodies and queries answer 400 {"error": "..."} naming the field.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { DurableObject } from "cloudflare:workers";
import { sleep } from "../../../src/net/http";
import { answerCount } from "../count-wait";
import { Gate } from "../gate";
import { answerWithBody } from "../parse-body";
import type { ReadBody } from "./body";
import { calledTool, readBody } from "./body";
import { defectsInput, McpDefects } from "./defects";
import type { Caller } from "./envelope";
import { authenticate, forbidden, sessionNotFound, unauthorized } from "./envelope";
import { Executions } from "./executions";
import { faultInput, McpFaults } from "./faults";
import { proxyAnswer } from "./proxy";
import { RateLimiter } from "./rate-limit";
import { Records } from "./records";
import { cutReply, delayReply } from "./replies";
import { migrate, wipe } from "./schema";
import type { SessionIdentity } from "./server";
import { buildServer } from "./server";

interface Session {
  id: string;
  identity: SessionIdentity;
  transport: WebStandardStreamableHTTPServerTransport;
  close(): Promise<void>;
}

/** The standalone GET stream never gets its headers on mana-mcp and is dropped after about 12 s. */
const STANDALONE_STREAM_DROP_MS = 12_000;

/**
 * The mana-mcp stand-in (docs/contracts.md §2): a real MCP Streamable HTTP server from the SDK, stateful with SSE
 * replies, behind mana-mcp's auth envelope. Sessions live in memory like the real server's, so a restart
 * forgets them; app data and the execution log live in SQLite, so they survive it like the app's data does.
 */
export class McpHost extends DurableObject<StackEnv> {
  #sessions = new Map<string, Session>();
  #faults = new McpFaults();
  #gate = new Gate();
  #defects = new McpDefects();
  #limiter = new RateLimiter();
  #records: Records;
  #executions: Executions;
  #stats = freshStats();

  constructor(ctx: DurableObjectState, env: StackEnv) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.#records = new Records(ctx.storage.sql);
    this.#executions = new Executions(ctx.storage.sql);
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/mcp") return this.#mcp(request);
    switch (`${request.method} ${url.pathname}`) {
      case "POST /__stack/mcp/reset":
        return this.#reset();
      case "POST /__stack/mcp/restart":
        await this.#restart();
        return Response.json({ ok: true });
      case "POST /__stack/mcp/faults":
        return this.#stageFault(request);
      case "GET /__stack/mcp/faults":
        return Response.json({ pending: this.#faults.pending() });
      case "GET /__stack/mcp/held":
        return answerCount(url, this.#gate.waiters, "held");
      case "POST /__stack/mcp/release":
        return Response.json({ released: this.#gate.release() });
      case "PUT /__stack/mcp/defects":
        return answerWithBody(request, defectsInput, (input) => {
          this.#defects.set(input);
          return Response.json(this.#defects.state());
        });
      case "GET /__stack/mcp/defects":
        return Response.json(this.#defects.state());
      case "GET /__stack/mcp/executions":
        return Response.json({ executions: this.#executions.list() });
      case "GET /__stack/mcp/records":
        return this.#recordsOf(url);
      case "GET /__stack/mcp/stats":
        return Response.json({ ...this.#stats, sessionsOpen: this.#sessions.size });
    }
    return Response.json({ error: `${request.method} ${url.pathname} not found` }, { status: 404 });
  }

  async #mcp(request: Request): Promise<Response> {
    const down = this.#defects.downStatus;
    if (down !== undefined) {
      await request.arrayBuffer();
      return proxyAnswer(down);
    }
    this.#stats.requests += 1;
    const caller = await authenticate(request, this.env.STACK_JWT_SECRET);
    if (caller instanceof Response) {
      // workerd reports an unread request body as an uncaught error once the response has gone out.
      await request.arrayBuffer();
      return caller;
    }
    const body = request.method === "POST" ? await readBody(request) : undefined;
    const sessionId = request.headers.get("mcp-session-id");
    const session = sessionId ? this.#sessions.get(sessionId) : undefined;
    if (sessionId && !session) return sessionNotFound();
    if (session && session.identity.userId !== caller.claims.sub) return forbidden();
    if (request.method === "GET") return this.#standaloneStream();
    return session ? this.#call(session, request, body) : this.#initialize(request, caller, body);
  }

  async #initialize(request: Request, caller: Caller, body: ReadBody | undefined): Promise<Response> {
    const identity: SessionIdentity = { userId: caller.claims.sub, space: caller.space, tokenExpiresAtSec: caller.claims.exp };
    const deps = { records: this.#records, executions: this.#executions, limiter: this.#limiter, defects: this.#defects };
    const server = buildServer(identity, deps);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        this.#stats.sessionsOpened += 1;
        this.#sessions.set(id, { id, identity, transport, close: () => server.close() });
      },
      onsessionclosed: (id) => {
        this.#stats.sessionsClosed += 1;
        this.#sessions.delete(id);
      },
    });
    await server.connect(transport);
    const response = await handle(transport, request, body);
    if (!transport.sessionId) await server.close();
    return response;
  }

  async #call(session: Session, request: Request, body: ReadBody | undefined): Promise<Response> {
    const tool = body && calledTool(body);
    const fault = tool ? this.#faults.take(tool, session.identity.userId) : undefined;
    if (tool) this.#stats.toolCalls += 1;
    switch (fault?.kind) {
      case "restart-before":
        await this.#restart();
        return sessionNotFound();
      case "http-500":
        return Response.json({ error: "Internal Server Error" }, { status: 500 });
      case "http-401":
        return unauthorized('Invalid token: "exp" claim timestamp check failed');
      case "lose-reply":
        return cutReply(await handle(session.transport, request, body));
      case "slow":
        return delayReply(await handle(session.transport, request, body), () => sleep(fault.ms));
      case "hold":
        await this.#gate.hold();
        // A restart or reset while the call waited forgot its session, as the real server would have.
        if (this.#sessions.get(session.id) !== session) return sessionNotFound();
    }
    const response = await handle(session.transport, request, body);
    const delay = tool && this.#defects.delayOf(tool);
    return delay ? delayReply(response, () => this.#gate.hold(delay)) : response;
  }

  async #standaloneStream(): Promise<Response> {
    await new Promise((resolve) => setTimeout(resolve, STANDALONE_STREAM_DROP_MS));
    throw new Error("standalone SSE stream dropped before its headers were sent");
  }

  async #restart(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#limiter.clear();
    this.#stats.restarts += 1;
    await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
  }

  async #reset(): Promise<Response> {
    await this.#restart();
    wipe(this.ctx.storage.sql);
    this.#faults.clear();
    this.#defects = new McpDefects();
    this.#stats = freshStats();
    this.#gate.release();
    return Response.json({ ok: true });
  }

  #stageFault(request: Request): Promise<Response> {
    return answerWithBody(request, faultInput, (fault) => {
      this.#faults.add(fault);
      return Response.json({ pending: this.#faults.pending().length });
    });
  }

  #recordsOf(url: URL): Response {
    const space = url.searchParams.get("space");
    const kind = url.searchParams.get("kind");
    if (!space || !kind) return Response.json({ error: "space and kind are required query parameters" }, { status: 400 });
    return Response.json({ records: this.#records.list(space, kind) });
  }
}

/** Hands the request to the SDK transport, re-creating it when its body was read but is not JSON. */
function handle(transport: WebStandardStreamableHTTPServerTransport, request: Request, body: ReadBody | undefined): Promise<Response> {
  if (!body) return transport.handleRequest(request);
  if ("json" in body) return transport.handleRequest(request, { parsedBody: body.json });
  return transport.handleRequest(new Request(request.url, { method: request.method, headers: request.headers, body: body.raw }));
}

function freshStats() {
  return { requests: 0, sessionsOpened: 0, sessionsClosed: 0, toolCalls: 0, restarts: 0 };
}
