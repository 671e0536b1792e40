// Runs the stand-in stack on :8788 and the runner on :8787 together; Ctrl-C stops both.
import { startWorker } from "./wrangler-dev.mjs";

const workers = [
  startWorker("stack", ["-c", "test/stack/wrangler.toml", "--port", "8788", "--inspector-port", "9230"]),
  startWorker("runner", ["--env", "dev", "--port", "8787", "--inspector-port", "9229", "--test-scheduled", ...process.argv.slice(2)]),
];

const stopAll = async (code) => {
  await Promise.all(workers.map((worker) => worker.stop()));
  process.exit(code);
};

for (const worker of workers) worker.child.on("exit", (code) => void stopAll(code ?? 1));
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));
