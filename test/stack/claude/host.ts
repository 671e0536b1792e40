/**
 * @module
 * The Claude stand-in's control surface, for tests and benchmarks; the real API has nothing like it.
 *
 * POST /__stack/claude/reset                  empty cache, fault script, defects and stats; release every held
 *                                             request → {"ok":true}
 * POST /__stack/claude/faults                 {"faults": [{"fault": "429", "retryAfter"?: s} | {"fault": "529"} |
 *                                             {"fault": "500"} | {"fault": "delay", "ms": 0–600000} |
 *                                             {"fault": "hold"} | {"fault": "malformed-rating"} |
 *                                             {"fault": "max-tokens"} | {"fault": "invalid-arg"}], "match"?: text}
 *                                             queues faults, each taken by the next request whose system prompt
 *                                             contains match and whose turn it can affect → {"pending": n}
 *                                             (one request: header x-stand-in-fault, e.g. `429;retry-after=1`, `hold`)
 * GET  /__stack/claude/faults                 → {"pending": [{fault, match}]}
 * GET  /__stack/claude/held?atLeast=N&waitMs=M
 *                                             → {"held": n} as soon as n ≥ N (default 1) requests are held by a
 *                                             `hold` fault, or after M ms (default 10000, max 60000) with n as it is
 * POST /__stack/claude/release                answers every held request as if it had not been held (a hold
 *                                             also ends by itself after 60 s) → {"released": n}
 * PUT  /__stack/claude/defects                switches defect modes on; null (or false) switches one off, a key left
 *                                             out stays as it is → the state, as GET:
 *   "ratingDrop": {"module", "from":          from that UTC day on, every rating of the module is `rating`
 *     YYYY-MM-DD, "rating"?: 1–5 (default 1)}
 *   "invalidArgs": {"rate": 0<r≤1}            that share of the persona's tool calls leaves out a required field
 *                                             (mana-mcp answers `MCP error -32602: Input validation error: …`)
 *   "madeUpIds": {"rate": 0<r≤1}              that share of its calls of tools taking an `id` passes a well-formed
 *                                             uuid no tool ever answered (mana-mcp answers the tool's not-found)
 *                                             Which calls is a hash of the persona (system prompt and first user
 *                                             message) and the call's index in the conversation.
 * GET  /__stack/claude/defects                → {"ratingDrop": {module, from, rating} | null, "invalidArgs":
 *                                             {rate} | null, "madeUpIds": {rate} | null}
 * GET  /__stack/claude/stats                  → {"received": n, "receivedBySystem": {system: n}, "requests": n,
 *                                             "byStatus": {status: n}, "usage": {…}, "log": [{status, model,
 *                                             stop_reason, usage, toolCount, system, tools, error?}]}; received
 *                                             counts on arrival (held and abandoned requests too), requests on answer;
 *                                             system is the system prompt's first 60 characters
 * Invalid bodies and queries answer 400 {"error": "..."} naming the field.
 */
import { DurableObject } from "cloudflare:workers";
import { answerCount } from "../count-wait";
import { Gate } from "../gate";
import { answerWithBody } from "../parse-body";
import { PromptCache } from "./cache";
import { ClaudeDefects, defectsInput } from "./defects";
import { ApiError, errorResponse, newRequestId } from "./errors";
import { FaultQueue, faultScript } from "./faults";
import { createMessage, type Trace } from "./messages";
import { bodyJson } from "./parse";
import { Stats, systemKey } from "./stats";

/**
 * The Claude Messages API stand-in (docs/contracts.md §3): POST /v1/messages plus the control surface above. Cache,
 * fault script, defects and statistics live in memory, like the real API's cache they are allowed to vanish
 * (an evicted instance simply starts cold).
 */
export class ClaudeHost extends DurableObject<StackEnv> {
  #cache = new PromptCache();
  #faults = new FaultQueue();
  #gate = new Gate();
  #defects = new ClaudeDefects();
  #stats = new Stats();

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (`${request.method} ${url.pathname}`) {
      case "POST /v1/messages":
        return this.#messages(request);
      case "POST /__stack/claude/reset":
        return this.#reset();
      case "POST /__stack/claude/faults":
        return this.#scriptFaults(request);
      case "GET /__stack/claude/faults":
        return Response.json({ pending: this.#faults.pending() });
      case "GET /__stack/claude/held":
        return answerCount(url, this.#gate.waiters, "held");
      case "POST /__stack/claude/release":
        return Response.json({ released: this.#gate.release() });
      case "PUT /__stack/claude/defects":
        return answerWithBody(request, defectsInput, (input) => {
          this.#defects.set(input);
          return Response.json(this.#defects.state());
        });
      case "GET /__stack/claude/defects":
        return Response.json(this.#defects.state());
      case "GET /__stack/claude/stats":
        return Response.json(this.#stats.snapshot());
    }
    const requestId = newRequestId();
    return errorResponse(new ApiError("not_found_error", `${request.method} ${url.pathname} not found`), requestId);
  }

  async #messages(request: Request): Promise<Response> {
    const requestId = newRequestId();
    // A request held across a reset is answered into the statistics it arrived in, not the fresh ones.
    const stats = this.#stats;
    // Read first: answering before the body is consumed breaks the caller's upload on a service binding.
    const text = await request.text();
    const json = bodyJson(text);
    const trace: Trace = { model: null, system: systemKey(json), tools: [] };
    stats.arrived(trace.system);
    try {
      const deps = { cache: this.#cache, faults: this.#faults, gate: this.#gate, defects: this.#defects };
      const message = await createMessage(request.headers, json, deps, trace);
      const toolCount = message.content.filter((block) => block.type === "tool_use").length;
      stats.record({ ...trace, status: 200, stop_reason: message.stop_reason, usage: message.usage, toolCount });
      return Response.json(message, { headers: { "request-id": requestId } });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const failure = { status: error.status, stop_reason: null, usage: null, toolCount: 0, error: error.message };
      stats.record({ ...trace, ...failure });
      return errorResponse(error, requestId);
    }
  }

  #reset(): Response {
    this.#cache = new PromptCache();
    this.#faults = new FaultQueue();
    this.#defects = new ClaudeDefects();
    this.#stats = new Stats();
    this.#gate.release();
    return Response.json({ ok: true });
  }

  #scriptFaults(request: Request): Promise<Response> {
    return answerWithBody(request, faultScript, (script) => {
      this.#faults.add(script);
      return Response.json({ pending: this.#faults.pending().length });
    });
  }
}
