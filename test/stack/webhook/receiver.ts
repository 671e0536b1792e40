/**
 * @module
 * The webhook receiver: where the runner's alerts go in tests and local development (a stand-in for a Slack
 * incoming webhook), with its control surface.
 *
 * POST /__stack/webhook                       records {at, contentType, body} on arrival (body: the parsed JSON
 *                                             when it is JSON, else the text) and answers as the mode says: ok →
 *                                             200 `ok` (text, like Slack), fail → the mode's status, hang → held
 *                                             until the mode changes or a reset (then answered as the new mode
 *                                             says) or 60 s (then 504)
 * GET  /__stack/webhook/messages              → {"messages": [{at, contentType, body}]} in arrival order
 * GET  /__stack/webhook/received?atLeast=N&waitMs=M
 *                                             → {"count": n} as soon as n ≥ N (default 1) messages have arrived,
 *                                             or after M ms (default 10000, max 60000) with n as it is
 * PUT  /__stack/webhook/mode                  {"mode": "ok"} | {"mode": "fail", "status"?: 400–599 (default 500)} |
 *                                             {"mode": "hang"} → the mode
 * POST /__stack/webhook/reset                 forget the messages, mode ok, answer every hanging request
 *                                             → {"ok":true}
 * Invalid bodies and queries answer 400 {"error": "..."} naming the field.
 */
import { DurableObject } from "cloudflare:workers";
import { answerCount, CountWaiters } from "../count-wait";
import { Gate, HOLD_LIMIT_MS } from "../gate";
import { answerWithBody } from "../parse-body";
import { type Mode, modeInput } from "./mode";

interface WebhookMessage {
  at: string;
  contentType: string | null;
  body: unknown;
}

/** One instance, messages in memory: a test reads what arrived since the last reset and nothing else. */
export class WebhookReceiver extends DurableObject<StackEnv> {
  #messages: WebhookMessage[] = [];
  #arrived = new CountWaiters(() => this.#messages.length);
  #mode: Mode = { mode: "ok" };
  #hanging = new Gate();

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (`${request.method} ${url.pathname}`) {
      case "POST /__stack/webhook":
        return this.#receive(request);
      case "GET /__stack/webhook/messages":
        return Response.json({ messages: this.#messages });
      case "GET /__stack/webhook/received":
        return answerCount(url, this.#arrived, "count");
      case "PUT /__stack/webhook/mode":
        return answerWithBody(request, modeInput, (mode) => {
          this.#switchTo(mode);
          return Response.json(mode);
        });
      case "POST /__stack/webhook/reset":
        this.#messages = [];
        this.#switchTo({ mode: "ok" });
        return Response.json({ ok: true });
    }
    return Response.json({ error: `${request.method} ${url.pathname} not found` }, { status: 404 });
  }

  async #receive(request: Request): Promise<Response> {
    const text = await request.text();
    this.#messages.push({ at: new Date().toISOString(), contentType: request.headers.get("content-type"), body: parsed(text) });
    this.#arrived.changed();
    if (this.#mode.mode === "hang") await this.#hanging.hold();
    return this.#answer();
  }

  /** Hanging requests wait for a different mode; setting hang again keeps them waiting. */
  #switchTo(mode: Mode): void {
    this.#mode = mode;
    if (mode.mode !== "hang") this.#hanging.release();
  }

  #answer(): Response {
    switch (this.#mode.mode) {
      case "ok":
        return new Response("ok");
      case "fail":
        return new Response(`stand-in webhook failing with HTTP ${this.#mode.status}`, { status: this.#mode.status });
      case "hang":
        return new Response(`stand-in webhook: hung up after ${HOLD_LIMIT_MS / 1000} s`, { status: 504 });
    }
  }
}

/** JSON as its value, anything else as the text it is. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
