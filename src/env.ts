import type { Coordinator } from "./coordinator/coordinator";
import type { PersonaRunner } from "./persona/runner";
import type { DispatchShard } from "./tick/fanout";

/** The runner's bindings: vars and secrets are parsed by config.ts, never read from here directly. */
export interface Env {
  PERSONA: DurableObjectNamespace<PersonaRunner>;
  COORDINATOR: DurableObjectNamespace<Coordinator>;
  DISPATCH_SHARD: DurableObjectNamespace<DispatchShard>;
  /** Optional service bindings; when present they replace the URL of the same service. */
  MANA_AUTH?: Fetcher;
  MANA_MCP?: Fetcher;
  ANTHROPIC?: Fetcher;
  [variable: string]: unknown;
}
