// `npm run dev`: the stand-in stack on :8788 and the runner on :8787, both from a clean state unless
// `--keep-state` is given; Ctrl-C stops both (killed if one does not stop within a few seconds), as does the end
// of whoever started this script. Once both answer, the runner's /health is asked once, so a bad configuration
// value shows at start-up rather than at the first request.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { forgetGroups, recordGroups } from "./dev-groups.mjs";
import { freePort, startWorker } from "./wrangler-dev.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where both workers keep their Durable Objects' storage: the runner's objects and the stand-ins'. */
const STATE = ".wrangler/state";
const KEEP_STATE = "--keep-state";
const RUNNER = "http://localhost:8787";
const STACK = "http://localhost:8788";
const PARENT_CHECK_MS = 1_000;

const keep = process.argv.includes(KEEP_STATE);
const runnerArgs = process.argv.slice(2).filter((arg) => arg !== KEEP_STATE);
const persist = ["--persist-to", join(ROOT, STATE)];

process.chdir(ROOT);
if (!keep) await rm(STATE, { recursive: true, force: true });
say(keep ? `state: ${STATE}/, as the last session left it` : `state: ${STATE}/, cleared for a clean start (npm run dev -- ${KEEP_STATE} keeps it)`);

// The debuggers' ports are nobody's reservation: a busy one would stop wrangler, so another is taken instead.
const [runnerInspector, stackInspector] = [await freePort(9229), await freePort(9230)];
const workers = [
  // From its own folder, so wrangler compares test/stack/worker-configuration.d.ts, not the runner's, with its config.
  startWorker("stack", ["--cwd", "test/stack", "-c", "wrangler.toml", "--port", "8788", "--inspector-port", String(stackInspector), ...persist]),
  startWorker("runner", ["--env", "dev", "--port", "8787", "--inspector-port", String(runnerInspector), "--test-scheduled", ...persist, ...runnerArgs]),
];
// Each worker runs in a process group of its own, which a SIGKILL of this script would leave running.
recordGroups(workers.map((worker) => worker.child.pid));

/** The first reason to stop decides the exit code; a worker exiting because it was stopped changes nothing. */
let stopping;
const stopAll = (code) => {
  stopping ??= Promise.all(workers.map((worker) => worker.stop())).then(() => {
    forgetGroups();
    process.exit(code);
  });
  return stopping;
};
for (const worker of workers) worker.child.on("exit", (code) => void stopAll(code ?? 1));
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));
// Re-parented: whoever started this script was killed hard (npm run smoke by SIGKILL, say), and nobody is left
// to stop the workers but this script. Output to a reader that went with it is no reason to crash before that.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
  });
}
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stopAll(1);
}, PARENT_CHECK_MS).unref();

try {
  await Promise.all(workers.map((worker) => worker.ready));
  const health = await fetch(`${RUNNER}/health`);
  const body = await health.text();
  if (!health.ok) {
    say(`the runner answers ${health.status} and can do nothing until this is fixed: ${body}`, console.error);
    await stopAll(1);
  }
  const { environment, concurrency, model } = JSON.parse(body);
  say(`ready: runner ${RUNNER} (${environment}, concurrency ${concurrency}, ${model}), stand-in stack ${STACK}; Ctrl-C stops both`);
} catch (error) {
  say(`could not start: ${error instanceof Error ? error.message : String(error)}`, console.error);
  await stopAll(1);
}

function say(message, out = console.log) {
  out(`[dev] ${message}`);
}
