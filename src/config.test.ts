/** @module Config parsing: defaults, the bad variable named, empty optional URLs unset, typed TOML vars, production refusing dev secrets. */
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_TOOL_DENY, DEV_SEED_SECRET, parseConfig } from "./config";

const local = { ENVIRONMENT: "development", MANA_AUTH_URL: "http://localhost:8788", MANA_MCP_URL: "http://localhost:8788" };
const production = {
  ...local,
  ENVIRONMENT: "production",
  MANA_SERVICE_KEY: "k",
  ANTHROPIC_API_KEY: "sk",
  PERSONA_SEED_SECRET: "real-secret",
};

describe("parseConfig", () => {
  it("applies defaults", () => {
    const config = parseConfig(local);
    expect(config).toMatchObject({ ENVIRONMENT: "development", PERSONA_CONCURRENCY: 2, MAX_TURNS: 15, RUNNER_PAUSED: false, deployed: false });
    expect(config).toMatchObject({ DAILY_BUDGET_USD: 10, PROMPT_CACHING: true, VERIFY_MAX_CALLS: 8, ALERT_WEBHOOK_FORMAT: "slack" });
    expect(config.DAILY_TOKEN_BUDGET).toBeUndefined();
    expect(config.TOOL_DENY).toEqual(DEFAULT_TOOL_DENY);
    expect(config.ANTHROPIC_MODEL).toMatch(/^claude-/);
  });

  it("parses the findings' thresholds and refuses a clear margin that is not below the open margin", () => {
    expect(parseConfig({ ...local, FINDING_OPEN_MARGIN: "0.2", FINDING_MISUSE_ALERTS: "alert" })).toMatchObject({ FINDING_OPEN_MARGIN: 0.2, FINDING_CLEAR_MARGIN: 0.05, FINDING_MISUSE_ALERTS: "alert", FINDING_MIN_RUNS: 2 });
    expect(() => parseConfig({ ...local, FINDING_CLEAR_MARGIN: "0.1" })).toThrow(/FINDING_CLEAR_MARGIN must be smaller than FINDING_OPEN_MARGIN/);
    expect(() => parseConfig({ ...local, FINDING_MISUSE_ALERTS: "sometimes" })).toThrow(/FINDING_MISUSE_ALERTS/);
  });

  it("names the bad variable", () => {
    expect(() => parseConfig({ ...local, PERSONA_CONCURRENCY: "lots" })).toThrow(/PERSONA_CONCURRENCY/);
    expect(() => parseConfig({ ENVIRONMENT: "development", MANA_MCP_URL: "x" })).toThrow(/MANA_AUTH_URL.*MANA_MCP_URL|MANA_MCP_URL.*MANA_AUTH_URL/);
  });

  it("reads an empty optional URL as unset (alerts off), and still names a malformed one", () => {
    const config = parseConfig({ ...local, ALERT_WEBHOOK_URL: "", RUNNER_PUBLIC_URL: "", ANTHROPIC_BASE_URL: "" });
    expect(config.ALERT_WEBHOOK_URL).toBeUndefined();
    expect(config.RUNNER_PUBLIC_URL).toBeUndefined();
    expect(config.ANTHROPIC_BASE_URL).toBeUndefined();
    expect(() => parseConfig({ ...local, ALERT_WEBHOOK_URL: "hooks.slack.com/x" })).toThrow(/ALERT_WEBHOOK_URL/);
  });

  it("never falls back to development: a missing ENVIRONMENT is an error naming it", () => {
    const { ENVIRONMENT: _unset, ...withoutEnvironment } = local;
    expect(() => parseConfig(withoutEnvironment)).toThrow(ConfigError);
    expect(() => parseConfig(withoutEnvironment)).toThrow(/ENVIRONMENT is not set/);
    expect(() => parseConfig({ ...local, ENVIRONMENT: "dev" })).toThrow(/ENVIRONMENT/);
  });

  it("accepts typed TOML vars (booleans and numbers) like their string forms", () => {
    const typed = parseConfig({ ...local, RUNNER_PAUSED: true, PERSONA_CONCURRENCY: 8, DAILY_BUDGET_USD: 2.5, PROMPT_CACHING: false });
    expect(typed).toMatchObject({ RUNNER_PAUSED: true, PERSONA_CONCURRENCY: 8, DAILY_BUDGET_USD: 2.5, PROMPT_CACHING: false });
    expect(parseConfig({ ...local, RUNNER_PAUSED: "true", PERSONA_CONCURRENCY: "8" })).toMatchObject({ RUNNER_PAUSED: true, PERSONA_CONCURRENCY: 8 });
  });

  it("rejects a typed var of the wrong kind, naming it, instead of ignoring it", () => {
    expect(() => parseConfig({ ...local, RUNNER_PAUSED: 1 })).toThrow(/RUNNER_PAUSED/);
    expect(() => parseConfig({ ...local, PERSONA_CONCURRENCY: true })).toThrow(/PERSONA_CONCURRENCY/);
    expect(() => parseConfig({ ...local, MAX_TURNS: { value: 3 } })).toThrow(/MAX_TURNS/);
  });

  it("rejects an admin token that Hono's bearerAuth could never accept, naming the allowed characters", () => {
    expect(() => parseConfig({ ...local, RUNNER_ADMIN_TOKEN: "correct-horse-battery!staple" })).toThrow(/RUNNER_ADMIN_TOKEN: may contain only letters, digits/);
    expect(() => parseConfig({ ...local, RUNNER_ADMIN_TOKEN: "correct#horse#battery#staple" })).toThrow(/RUNNER_ADMIN_TOKEN/);
    expect(parseConfig({ ...local, RUNNER_ADMIN_TOKEN: "abc.DEF_123~xyz+/-==" }).RUNNER_ADMIN_TOKEN).toBe("abc.DEF_123~xyz+/-==");
  });

  it.each([
    ["MANA_SERVICE_KEY", { MANA_SERVICE_KEY: undefined }, /MANA_SERVICE_KEY is missing/],
    ["ANTHROPIC_API_KEY", { ANTHROPIC_API_KEY: undefined }, /ANTHROPIC_API_KEY is missing/],
    ["the dev seed secret", { PERSONA_SEED_SECRET: DEV_SEED_SECRET }, /dev fallback/],
  ])("refuses production with %s", (_, override, message) => {
    const env = Object.fromEntries(Object.entries({ ...production, ...override }).filter(([, v]) => v !== undefined));
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("accepts a complete production config and parses the pause flag", () => {
    expect(parseConfig({ ...production, RUNNER_PAUSED: "true" })).toMatchObject({ deployed: true, RUNNER_PAUSED: true });
  });
});
