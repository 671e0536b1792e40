import { z } from "zod";

export const DEV_SEED_SECRET = "dev-persona-seed-secret-rotate-in-prod";

/** The credit-spending image tools of mana-mcp (contracts §2): never offered unless explicitly allowed. */
export const DEFAULT_TOOL_DENY = ["me.generateWithReference", "wardrobe.tryOn", "comic.generatePanel", "comic.generateVariant"];

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const list = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((raw) => (raw === undefined ? fallback : raw.split(",").map((s) => s.trim()).filter(Boolean)));
const flag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((raw) => raw === "true" || raw === "1");

const schema = z.object({
  ENVIRONMENT: z.enum(["development", "test", "staging", "production"]).default("development"),
  MANA_AUTH_URL: z.url(),
  MANA_MCP_URL: z.url(),
  MANA_SERVICE_KEY: z.string().min(1).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  // Sonnet 4.6 caches prompts from 1,024 tokens; Haiku 4.5 only from 4,096, which a persona's tools and system
  // prompt (~2,600) never reach, so with Haiku every request pays full input price (see BENCHMARKS.md).
  ANTHROPIC_MODEL: z.string().min(1).default("claude-sonnet-4-6"),
  PERSONA_SEED_SECRET: z.string().min(1).default(DEV_SEED_SECRET),
  PERSONA_CONCURRENCY: int(2, 1, 500),
  MAX_TURNS: int(15, 1, 100),
  MAX_TOOL_CALLS: int(40, 1, 450),
  MAX_OUTPUT_TOKENS: int(1024, 64, 32_000),
  RUN_WALL_CLOCK_MS: int(10 * 60_000, 10_000, 14 * 60_000),
  RUN_TOKEN_BUDGET: int(250_000, 1_000, 10_000_000),
  DAILY_TOKEN_BUDGET: int(5_000_000, 1_000, 1_000_000_000),
  MCP_CALL_TIMEOUT_MS: int(20_000, 100, 120_000),
  CLAUDE_TIMEOUT_MS: int(90_000, 1_000, 600_000),
  RUN_RETENTION: int(50, 1, 1_000),
  RUNNER_PAUSED: flag,
  PROMPT_CACHING: z
    .enum(["true", "false"])
    .default("true")
    .transform((raw) => raw === "true"),
  RUNNER_ADMIN_TOKEN: z.string().min(16).optional(),
  TOOL_ALLOW: list(["*"]),
  TOOL_DENY: list(DEFAULT_TOOL_DENY),
});

export type Config = z.infer<typeof schema> & { deployed: boolean };

export class ConfigError extends Error {
  override name = "ConfigError";
}

const cache = new WeakMap<object, Config>();

/** Parses the environment once per isolate; a bad variable is named in the error. */
export function loadConfig(env: object): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const config = parseConfig(env);
  cache.set(env, config);
  return config;
}

export function parseConfig(env: object): Config {
  const vars = Object.fromEntries(Object.entries(env).filter(([, value]) => typeof value === "string"));
  const parsed = schema.safeParse(vars);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const deployed = parsed.data.ENVIRONMENT === "staging" || parsed.data.ENVIRONMENT === "production";
  const config = { ...parsed.data, deployed };
  if (deployed) refuseUnsafeDeployment(config);
  return config;
}

/** A deployed runner with dev credentials would lock personas out or spend money unguarded. */
function refuseUnsafeDeployment(config: Config): void {
  const missing: string[] = [];
  if (!config.MANA_SERVICE_KEY) missing.push("MANA_SERVICE_KEY is missing");
  if (!config.ANTHROPIC_API_KEY) missing.push("ANTHROPIC_API_KEY is missing");
  if (config.PERSONA_SEED_SECRET === DEV_SEED_SECRET) {
    missing.push("PERSONA_SEED_SECRET is the dev fallback secret");
  }
  if (missing.length > 0) {
    throw new ConfigError(`refusing to run in ${config.ENVIRONMENT}: ${missing.join("; ")}`);
  }
}
