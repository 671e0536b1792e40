// The stand-in stack and the runner under wrangler dev on their own ports and storage, for the benchmark.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker } from "../scripts/wrangler-dev.mjs";

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
  const stack = startWorker("stack", ["-c", "test/stack/wrangler.toml", "--port", String(STACK_PORT), "--inspector-port", "19230", "--persist-to", persistTo], { quiet: true });
  await stack.ready;
  let runner;

  /** (Re)starts the runner with these vars on top of the dev ones; storage persists across restarts. */
  async function startRunner(vars) {
    await runner?.stop();
    const overrides = {
      MANA_AUTH_URL: stackUrl,
      MANA_MCP_URL: stackUrl,
      ANTHROPIC_BASE_URL: stackUrl,
      ...vars,
    };
    const args = ["--port", String(RUNNER_PORT), "--inspector-port", "19229", "--persist-to", persistTo, "--test-scheduled"];
    for (const [key, value] of Object.entries(overrides)) args.push("--var", `${key}:${value}`);
    runner = startWorker("runner", args, { quiet: true, onLine });
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

export async function json(url, init = {}) {
  const response = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init.headers } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export const post = (url, body) => json(url, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
