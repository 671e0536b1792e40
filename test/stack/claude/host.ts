import { DurableObject } from "cloudflare:workers";
import type { StackEnv } from "../env";

export class ClaudeHost extends DurableObject<StackEnv> {
  override async fetch(request: Request): Promise<Response> {
    return Response.json({ placeholder: "ClaudeHost", path: new URL(request.url).pathname });
  }
}
