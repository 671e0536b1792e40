/** @module The stand-in stack worker's bindings, and the one Durable Object name every stand-in lives under. */
/** Bindings of the stand-in stack worker (test/stack/wrangler.toml). */
export interface StackEnv {
  AUTH: DurableObjectNamespace;
  MCP: DurableObjectNamespace;
  CLAUDE: DurableObjectNamespace;
  WEBHOOK: DurableObjectNamespace;
  STACK_ISSUER: string;
  STACK_JWT_SECRET: string;
  MANA_SERVICE_KEY: string;
  PERSONA_SEED_SECRET: string;
}

/** Every stand-in is one Durable Object instance, so state and MCP sessions live in one place. */
export const SINGLETON = "stack";
