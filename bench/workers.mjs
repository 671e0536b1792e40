// The stand-in stack and the runner, each bundled as for deploy and served by its own workerd on its own port
// and storage, for the benchmark.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startServer } from "../scripts/wrangler-dev.mjs";

export const STACK_PORT = 18788;
export const RUNNER_PORT = 18787;
export const stackUrl = `http://localhost:${STACK_PORT}`;
export const runnerUrl = `http://localhost:${RUNNER_PORT}`;

/**
 * Local Durable Object storage is one SQLite file per object on the local disk; creating ten thousand of them
 * measures this VM's disk, not the runner. tmpfs keeps the figure about the runner (BENCHMARKS.md has both).
 */
const STORAGE_ROOT = process.env.BENCH_STORAGE_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());

export async function createWorld() {
  const persistTo = await mkdtemp(join(STORAGE_ROOT, "persona-runner-bench-"));
  const [stackBundle, runnerBundle] = await Promise.all([bundle("test/stack/wrangler.toml", persistTo), bundle("wrangler.toml", persistTo)]).catch(
    async (error) => {
      await rm(persistTo, { recursive: true, force: true });
      throw error;
    },
  );
  const lines = [];
  const onLine = (line) => {
    const start = line.indexOf("{");
    if (start < 0) return;
    try {
      lines.push(JSON.parse(line.slice(start)));
    } catch {
      // wrangler's own output, not one of our log lines
    }
  };
  const stack = serve("stack", "test/stack/wrangler.toml", stackBundle, STACK_PORT, join(persistTo, "stack"), {}, {});
  await stack.ready;
  let runner;
  let generation = 0;

  /**
   * (Re)starts the runner with these vars on top of the dev ones. Its storage persists across restarts unless
   * `fresh`: then it starts empty (no queue, no spend, no personas) and the stand-in keeps its own.
   */
  async function startRunner(vars, { fresh = false } = {}) {
    await runner?.stop();
    if (fresh) generation++;
    const overrides = { MANA_AUTH_URL: stackUrl, MANA_MCP_URL: stackUrl, ANTHROPIC_BASE_URL: stackUrl, ALERT_WEBHOOK_URL: `${stackUrl}/__stack/webhook`, ...vars };
    const state = join(persistTo, `runner-${generation}`);
    runner = serve("runner", "wrangler.toml", runnerBundle, RUNNER_PORT, state, overrides, { onLine, environment: "dev" });
    await runner.ready;
    return runner;
  }

  return {
    startRunner,
    stackGroup: stack.child.pid,
    runnerGroup: () => runner.child.pid,
    /** Runner log lines (parsed JSON) from this point on. */
    logsSince() {
      const mark = lines.length;
      return () => lines.slice(mark);
    },
    async close() {
      await Promise.all([runner?.stop(), stack.stop()]);
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}

/** The Worker as `wrangler deploy` would upload it (top-level environment of `config`). */
async function bundle(config, persistTo) {
  const outdir = join(persistTo, "bundles", config.replaceAll("/", "_"));
  await promisify(execFile)("wrangler", ["deploy", "--dry-run", "-c", config, "--outdir", outdir], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return outdir;
}

function serve(name, config, bundleDir, port, stateDir, vars, { environment = "", ...options }) {
  const strings = Object.fromEntries(Object.entries(vars).map(([key, value]) => [key, String(value)]));
  const args = ["bench/serve.mjs", config, bundleDir, String(port), stateDir, JSON.stringify(strings), environment];
  return startServer(name, process.execPath, args, { quiet: true, ...options });
}

export async function json(url, init = {}) {
  const response = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init.headers } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export const post = (url, body) => json(url, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
