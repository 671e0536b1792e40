/**
 * @module
 * The one configuration object: every variable of the Worker's environment parsed once with zod, a bad one named.
 */
import { z } from "zod";

export const DEV_SEED_SECRET = "dev-persona-seed-secret-rotate-in-prod";

/** The credit-spending image tools of mana-mcp: never offered unless explicitly allowed. */
export const DEFAULT_TOOL_DENY = ["me.generateWithReference", "wardrobe.tryOn", "comic.generatePanel", "comic.generateVariant"];

const ENVIRONMENTS = ["development", "test", "staging", "production"] as const;
export const TOOL_CACHE_TTLS = ["1h", "5m", "off"] as const;
export type ToolCacheTtl = (typeof TOOL_CACHE_TTLS)[number];
export type Environment = (typeof ENVIRONMENTS)[number];

/** Modes without the admin guard; http/app.ts answers them on local hosts only, so a deploy can never be open. */
export const LOCAL_ENVIRONMENTS: ReadonlySet<Environment> = new Set(["development", "test"]);

/** The characters Hono's bearerAuth accepts in a token (RFC 6750's b64token); any other can never log in. */
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

/** TOML vars arrive typed (`PERSONA_CONCURRENCY = 8`), `.dev.vars` and secrets as strings: both are accepted. */
const numeric = z.union([z.number(), z.string().trim().min(1).transform(Number)]).pipe(z.number());
const int = (fallback: number, min: number, max: number) => numeric.pipe(z.int().min(min).max(max)).default(fallback);
const decimal = (fallback: number, min: number, max: number) => numeric.pipe(z.number().min(min).max(max)).default(fallback);
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(["true", "false", "1", "0", ""]).transform((raw) => raw === "true" || raw === "1")])
    .default(fallback);
/** An empty value unsets an optional URL: `--var ALERT_WEBHOOK_URL:` turns alerts off instead of failing. */
const optionalUrl = z.preprocess((raw) => (raw === "" ? undefined : raw), z.url().optional());
const list = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((raw) => (raw === undefined ? fallback : raw.split(",").map((s) => s.trim()).filter(Boolean)));

const schema = z.object({
  ENVIRONMENT: z.enum(ENVIRONMENTS),
  MANA_AUTH_URL: z.url(),
  MANA_MCP_URL: z.url(),
  MANA_SERVICE_KEY: z.string().min(1).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: optionalUrl,
  // Sonnet 4.6 caches prompts from 1,024 tokens, Haiku 4.5 and Opus 4.6 from 4,096, which the registry's tools
  // alone pass (README: "Choosing the model").
  ANTHROPIC_MODEL: z.string().min(1).default("claude-sonnet-4-6"),
  PERSONA_SEED_SECRET: z.string().min(1).default(DEV_SEED_SECRET),
  PERSONA_CONCURRENCY: int(2, 1, 500),
  QUEUE_WAKES_PER_SECOND: int(10, 1, 1_000),
  MAX_TURNS: int(15, 1, 100),
  MAX_TOOL_CALLS: int(40, 1, 450),
  MAX_OUTPUT_TOKENS: int(1024, 64, 32_000),
  RUN_WALL_CLOCK_MS: int(10 * 60_000, 10_000, 14 * 60_000),
  RUN_TOKEN_BUDGET: int(250_000, 1_000, 10_000_000),
  DAILY_BUDGET_USD: decimal(10, 0.01, 100_000),
  DAILY_TOKEN_BUDGET: numeric.pipe(z.int().min(1_000).max(1_000_000_000)).optional(),
  MCP_CALL_TIMEOUT_MS: int(20_000, 100, 120_000),
  CLAUDE_TIMEOUT_MS: int(90_000, 1_000, 600_000),
  VERIFY_MAX_CALLS: int(8, 0, 50),
  RUN_RETENTION: int(50, 1, 1_000),
  RUNNER_PAUSED: flag(false),
  PROMPT_CACHING: flag(true),
  // The breakpoint after the tool definitions, which every persona offered the same tools shares (README: "Cost
  // control"); `off` marks only the per-persona prefix, as before, to measure what sharing saves.
  TOOL_CACHE_TTL: z.enum(TOOL_CACHE_TTLS).default("1h"),
  RUNNER_ADMIN_TOKEN: z
    .string()
    .min(16)
    .regex(BEARER_TOKEN, "may contain only letters, digits, . _ ~ + / - and trailing =, the characters of a Bearer token")
    .optional(),
  RUNNER_PUBLIC_URL: optionalUrl,
  TOOL_ALLOW: list(["*"]),
  TOOL_DENY: list(DEFAULT_TOOL_DENY),
  FINDING_WINDOW_HOURS: int(24, 1, 24 * 7),
  FINDING_RECOVERY_MINUTES: int(30, 1, 7 * 24 * 60),
  FINDING_REOPEN_HOURS: int(6, 0, 7 * 24),
  FINDING_MIN_EVIDENCE: int(5, 1, 1_000),
  FINDING_MIN_RUNS: int(2, 1, 100),
  // Fewer cannot tell the runs of successes a random 35 % failure shows from a recovery (src/findings/rates.ts).
  FINDING_WINDOW_CALLS: int(20, 20, 1_000),
  FINDING_BASELINE_SHARE: decimal(0.02, 0, 0.5),
  FINDING_OPEN_MARGIN: decimal(0.1, 0.01, 0.9),
  FINDING_CLEAR_MARGIN: decimal(0.05, 0, 0.9),
  FINDING_OUTLIER_MARGIN: decimal(0.3, 0.05, 0.95),
  FINDING_MISUSE_SHARE: decimal(0.2, 0.01, 1),
  FINDING_MISUSE_ALERTS: z.enum(["digest", "alert"]).default("digest"),
  FINDING_SLOW_FACTOR: decimal(3, 1.1, 100),
  FINDING_SLOW_MIN_INCREASE_MS: int(500, 1, 600_000),
  FINDING_SLOW_ABSOLUTE_MS: int(8_000, 100, 600_000),
  FINDING_OUTAGE_MINUTES: int(15, 1, 24 * 60),
  FINDING_ATTRIBUTION_MINUTES: int(60, 0, 7 * 24 * 60),
  FINDING_SURFACE_SETTLE_HOURS: int(24, 1, 30 * 24),
  FINDING_RATING_DROP: decimal(1, 0.1, 4),
  FINDING_MIN_RATINGS: int(3, 1, 1_000),
  FINDING_SETUP_FAILURES: int(2, 1, 100),
  ALERT_WEBHOOK_URL: optionalUrl,
  ALERT_WEBHOOK_FORMAT: z.enum(["slack", "json"]).default("slack"),
  ALERT_DIGEST_HOUR: int(8, 0, 23),
  ALERT_TIMEOUT_MS: int(10_000, 100, 60_000),
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
  const source = env as Record<string, unknown>;
  if (source.ENVIRONMENT === undefined) {
    throw new ConfigError(
      "invalid configuration: ENVIRONMENT is not set; it must be staging or production for a deployed runner, " +
        "development only for a local one (there is no default, so no deploy is ever development by omission)",
    );
  }
  // Only the schema's own keys: bindings (Durable Object namespaces, services) are objects, not settings.
  const vars = Object.fromEntries(Object.keys(schema.shape).map((key) => [key, source[key]]));
  const parsed = schema.safeParse(vars);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  if (parsed.data.FINDING_CLEAR_MARGIN >= parsed.data.FINDING_OPEN_MARGIN) {
    throw new ConfigError("invalid configuration: FINDING_CLEAR_MARGIN must be smaller than FINDING_OPEN_MARGIN, or an open finding could never clear while it still holds");
  }
  const deployed = !LOCAL_ENVIRONMENTS.has(parsed.data.ENVIRONMENT);
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
