/**
 * @module
 * The runner's bindings. Vars and secrets are parsed by config.ts, never read from here directly.
 */
import type { Coordinator } from "./coordinator/coordinator";
import type { Directory } from "./directory/directory";
import type { Findings } from "./findings/findings";
import type { PersonaRunner } from "./persona/runner";
import type { DispatchShard } from "./tick/fanout";

export interface Env {
  PERSONA: DurableObjectNamespace<PersonaRunner>;
  COORDINATOR: DurableObjectNamespace<Coordinator>;
  DISPATCH_SHARD: DurableObjectNamespace<DispatchShard>;
  DIRECTORY: DurableObjectNamespace<Directory>;
  FINDINGS: DurableObjectNamespace<Findings>;
  /** Optional service bindings; when present they replace the URL of the same service. */
  MANA_AUTH?: Fetcher;
  MANA_MCP?: Fetcher;
  ANTHROPIC?: Fetcher;
  ALERT_WEBHOOK?: Fetcher;
  [variable: string]: unknown;
}
