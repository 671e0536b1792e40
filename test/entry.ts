/** @module The test worker's entrypoint: the runner and its objects, the stand-in stack's objects, and a Stack entrypoint for service binding. */
import { WorkerEntrypoint } from "cloudflare:workers";
import runner from "../src/index";
import { stackFetch } from "./stack/index";

export { PersonaRunner, Coordinator, DispatchShard, Directory, Findings } from "../src/index";
export { AuthStore, McpHost, ClaudeHost, WebhookReceiver } from "./stack/index";

/** The stand-in stack as an entrypoint of the test worker, so the runner reaches it by service binding. */
export class Stack extends WorkerEntrypoint<StackEnv> {
  override fetch(request: Request): Promise<Response> {
    return stackFetch(request, this.env);
  }
}

export default runner;
