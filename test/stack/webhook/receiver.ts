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

/**
 * One instance; messages in its SQLite, so they outlive the object's eviction during a long test (a simulated week
 * can leave the receiver idle for longer than the runtime keeps an object in memory). A test reads what arrived
 * since the last reset and nothing else.
 */
export class WebhookReceiver extends DurableObject<StackEnv> {
  #arrived = new CountWaiters(() => this.#count());
  #mode: Mode = { mode: "ok" };
  #hanging = new Gate();

  constructor(ctx: DurableObjectState, env: StackEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL)");
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (`${request.method} ${url.pathname}`) {
      case "POST /__stack/webhook":
        return this.#receive(request);
      case "GET /__stack/webhook/messages":
        return Response.json({ messages: this.#messages() });
      case "GET /__stack/webhook/received":
        return answerCount(url, this.#arrived, "count");
      case "PUT /__stack/webhook/mode":
        return answerWithBody(request, modeInput, (mode) => {
          this.#switchTo(mode);
          return Response.json(mode);
        });
      case "POST /__stack/webhook/reset":
        this.ctx.storage.sql.exec("DELETE FROM messages");
        this.#switchTo({ mode: "ok" });
        return Response.json({ ok: true });
    }
    return Response.json({ error: `${request.method} ${url.pathname} not found` }, { status: 404 });
  }

  async #receive(request: Request): Promise<Response> {
    const text = await request.text();
    const message: WebhookMessage = { at: new Date().toISOString(), contentType: request.headers.get("content-type"), body: parsed(text) };
    this.ctx.storage.sql.exec("INSERT INTO messages (doc) VALUES (?)", JSON.stringify(message));
    this.#arrived.changed();
    if (this.#mode.mode === "hang") await this.#hanging.hold();
    return this.#answer();
  }

  #messages(): WebhookMessage[] {
    return this.ctx.storage.sql
      .exec<{ doc: string }>("SELECT doc FROM messages ORDER BY seq")
      .toArray()
      .map((row) => JSON.parse(row.doc) as WebhookMessage);
  }

  #count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n;
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
