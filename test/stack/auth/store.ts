import { DurableObject } from "cloudflare:workers";
import type { StackEnv } from "../env";

export class AuthStore extends DurableObject<StackEnv> {
  override async fetch(request: Request): Promise<Response> {
    return Response.json({ placeholder: "AuthStore", path: new URL(request.url).pathname });
  }
}
