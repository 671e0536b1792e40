import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_TOOL_DENY, DEV_SEED_SECRET, parseConfig } from "./config";

const local = { MANA_AUTH_URL: "http://localhost:8788", MANA_MCP_URL: "http://localhost:8788" };
const staging = {
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
    expect(config.TOOL_DENY).toEqual(DEFAULT_TOOL_DENY);
    expect(config.ANTHROPIC_MODEL).toMatch(/^claude-/);
  });

  it("names the bad variable", () => {
    expect(() => parseConfig({ ...local, PERSONA_CONCURRENCY: "lots" })).toThrow(/PERSONA_CONCURRENCY/);
    expect(() => parseConfig({ MANA_MCP_URL: "x" })).toThrow(/MANA_AUTH_URL.*MANA_MCP_URL|MANA_MCP_URL.*MANA_AUTH_URL/);
  });

  it.each([
    ["MANA_SERVICE_KEY", { MANA_SERVICE_KEY: undefined }, /MANA_SERVICE_KEY is missing/],
    ["ANTHROPIC_API_KEY", { ANTHROPIC_API_KEY: undefined }, /ANTHROPIC_API_KEY is missing/],
    ["the dev seed secret", { PERSONA_SEED_SECRET: DEV_SEED_SECRET }, /dev fallback/],
  ])("refuses production with %s", (_, override, message) => {
    const env = Object.fromEntries(Object.entries({ ...staging, ...override }).filter(([, v]) => v !== undefined));
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("accepts a complete production config and parses the pause flag", () => {
    expect(parseConfig({ ...staging, RUNNER_PAUSED: "true" })).toMatchObject({ deployed: true, RUNNER_PAUSED: true });
  });
});
