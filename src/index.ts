/**
 * @module
 * The Worker: HTTP routes, the cron tick, and the Durable Object classes.
 */
import { loadConfig } from "./config";
import { createApp } from "./http/app";
import { createLogger } from "./log";
import { runTick } from "./tick/tick";

export { Coordinator } from "./coordinator/coordinator";
export { Directory } from "./directory/directory";
export { Findings } from "./findings/findings";
export { PersonaRunner } from "./persona/runner";
export { DispatchShard } from "./tick/fanout";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    await runTick(env, loadConfig(env), controller.scheduledTime, createLogger());
  },
} satisfies ExportedHandler<Env>;
