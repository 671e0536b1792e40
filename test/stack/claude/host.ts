import { DurableObject } from "cloudflare:workers";
import type { StackEnv } from "../env";
import { PromptCache } from "./cache";
import { ApiError, errorResponse, newRequestId } from "./errors";
import { answerWithBody } from "../parse-body";
import { FaultQueue, faultScript } from "./faults";
import { createMessage, type Trace } from "./messages";
import { Stats } from "./stats";

/**
 * The Claude Messages API stand-in (contracts §3): POST /v1/messages plus a control surface under
 * /__stack/claude/. Cache, fault script and statistics live in memory, like the real API's cache they are
 * allowed to vanish (an evicted instance simply starts cold).
 */
export class ClaudeHost extends DurableObject<StackEnv> {
  #cache = new PromptCache();
  #faults = new FaultQueue();
  #stats = new Stats();

  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    switch (`${request.method} ${pathname}`) {
      case "POST /v1/messages":
        return this.#messages(request);
      case "POST /__stack/claude/reset":
        return this.#reset();
      case "POST /__stack/claude/faults":
        return this.#scriptFaults(request);
      case "GET /__stack/claude/faults":
        return Response.json({ pending: this.#faults.pending() });
      case "GET /__stack/claude/stats":
        return Response.json(this.#stats.snapshot());
    }
    const requestId = newRequestId();
    return errorResponse(new ApiError("not_found_error", `${request.method} ${pathname} not found`), requestId);
  }

  async #messages(request: Request): Promise<Response> {
    const requestId = newRequestId();
    const trace: Trace = { model: null, system: "", tools: [] };
    try {
      const message = await createMessage(request, { cache: this.#cache, faults: this.#faults }, trace);
      const toolCount = message.content.filter((block) => block.type === "tool_use").length;
      this.#stats.record({ ...trace, status: 200, stop_reason: message.stop_reason, usage: message.usage, toolCount });
      return Response.json(message, { headers: { "request-id": requestId } });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const failure = { status: error.status, stop_reason: null, usage: null, toolCount: 0, error: error.message };
      this.#stats.record({ ...trace, ...failure });
      return errorResponse(error, requestId);
    }
  }

  #reset(): Response {
    this.#cache = new PromptCache();
    this.#faults = new FaultQueue();
    this.#stats = new Stats();
    return Response.json({ ok: true });
  }

  #scriptFaults(request: Request): Promise<Response> {
    return answerWithBody(request, faultScript, (script) => {
      this.#faults.add(script);
      return Response.json({ pending: this.#faults.pending().length });
    });
  }
}
