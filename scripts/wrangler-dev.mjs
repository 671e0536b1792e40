// Starts `wrangler dev` (or another server of a Worker) and resolves once it serves requests, and finds free ports; shared by
// `npm run dev`, `npm run screenshot` and the bench.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

export const startWorker = (name, args, options) => startServer(name, "wrangler", ["dev", ...args], options);

/** Spawns `command`, which must print "Ready on http://…" once it answers requests. */
export function startServer(name, command, args, { quiet = false, onLine } = {}) {
  const child = spawn(command, args, {
    // No telemetry, and no fetch of the `Request.cf` placeholder from workers.cloudflare.com: offline, miniflare
    // would print a DNS error's stack for each worker before falling back to the same placeholder anyway.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stopping it also stops the node and workerd processes wrangler starts.
    detached: true,
  });
  let resolveReady;
  let rejectReady;
  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let buffered = "";
  const read = (stream, out) =>
    stream.on("data", (chunk) => {
      const text = chunk.toString();
      if (!quiet) out.write(text.replace(/^(?=.)/gm, `[${name}] `));
      buffered += text;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (/Ready on https?:\/\//.test(line)) resolveReady();
        onLine?.(line);
      }
    });
  // A parent that exits without stopping it (an uncaught error) still takes the whole group down.
  const killGroup = () => {
    if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  };
  process.once("exit", killGroup);
  read(child.stdout, process.stdout);
  read(child.stderr, process.stderr);
  child.on("exit", (code) => rejectReady(new Error(`${name}: ${command} exited with ${code} before it was ready`)));
  return {
    child,
    ready,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => {
          process.off("exit", killGroup);
          resolve();
        });
        process.kill(-child.pid, "SIGTERM");
      }),
  };
}

/** `preferred` when nothing listens there, else a port the system has free. */
export function freePort(preferred) {
  const listen = (port) =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const { port: taken } = server.address();
        server.close(() => resolve(taken));
      });
    });
  return listen(preferred).catch(() => listen(0));
}
