import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, type Plugin } from "vitest/config";

/** `VERBOSE=1 npm test` prints every test's logs; otherwise only a failing test's logs are printed. */
const verbose = Boolean(process.env.VERBOSE);

/**
 * The MCP SDK and standardwebhooks ship source maps that name their TypeScript sources but not the sources
 * themselves; Vite says so once per file whenever its cache is cold (a fresh clone). Nothing is wrong with this
 * project's own maps, so the notice is dropped unless VERBOSE is set.
 */
const MISSING_DEPENDENCY_SOURCES = /^Sourcemap for "[^"]*\/node_modules\/[^"]*" points to missing source files$/;
const quietDependencySourcemaps: Plugin = {
  name: "quiet-dependency-sourcemaps",
  configResolved(config) {
    const warnOnce = config.logger.warnOnce.bind(config.logger);
    config.logger.warnOnce = (message, options) => {
      if (!MISSING_DEPENDENCY_SOURCES.test(message)) warnOnce(message, options);
    };
  },
};

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./test/wrangler.test.toml" }, verbose }), ...(verbose ? [] : [quietDependencySourcemaps])],
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    silent: verbose ? false : "passed-only",
  },
});
