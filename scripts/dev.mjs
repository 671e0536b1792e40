// Runs the stand-in stack on :8788 and the runner on :8787 together; Ctrl-C stops both.
import { spawn } from "node:child_process";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const workers = [
  ["stack", ["dev", "-c", "test/stack/wrangler.toml", "--port", "8788", "--inspector-port", "9230"]],
  ["runner", ["dev", "--port", "8787", "--inspector-port", "9229", "--test-scheduled", ...process.argv.slice(2)]],
];

const children = workers.map(([name, args]) => {
  const child = spawn("wrangler", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (chunk) => chunk.toString().replace(/^(?=.)/gm, `[${name}] `);
  child.stdout.on("data", (chunk) => process.stdout.write(prefix(chunk)));
  child.stderr.on("data", (chunk) => process.stderr.write(prefix(chunk)));
  child.on("exit", (code) => {
    console.error(`[${name}] exited with ${code}`);
    stop(code ?? 1);
  });
  return child;
});

function stop(code) {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exitCode = code;
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
