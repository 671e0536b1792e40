import { DurableObject } from "cloudflare:workers";
import type { StackEnv } from "../env";

export class McpHost extends DurableObject<StackEnv> {
  override async fetch(request: Request): Promise<Response> {
    return Response.json({ placeholder: "McpHost", path: new URL(request.url).pathname });
  }
}
