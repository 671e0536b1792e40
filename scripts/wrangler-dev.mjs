// Starts `wrangler dev` (or another server of a Worker) and resolves once it serves requests, and finds free ports; shared by
// `npm run dev`, `npm run screenshot` and the bench.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** How long a server may take to stop on SIGTERM before its whole process group is killed. */
export const STOP_GRACE_MS = 5_000;

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
  const killGroup = () => signalGroup(child.pid, "SIGKILL");
  process.once("exit", killGroup);
  read(child.stdout, process.stdout);
  read(child.stderr, process.stderr);
  child.on("exit", (code) => rejectReady(new Error(`${name}: ${command} exited with ${code} before it was ready`)));
  return {
    child,
    ready,
    /**
     * SIGTERM to the group, SIGKILL after STOP_GRACE_MS if the server has not exited by then (a stuck wrangler
     * would otherwise keep the caller waiting for ever); whatever of its group outlives it is killed too.
     */
    stop: () =>
      new Promise((resolve) => {
        const stopped = () => {
          clearTimeout(escalation);
          killGroup();
          process.off("exit", killGroup);
          resolve();
        };
        const escalation = setTimeout(killGroup, STOP_GRACE_MS);
        if (child.exitCode !== null || child.signalCode !== null) return stopped();
        child.once("exit", stopped);
        signalGroup(child.pid, "SIGTERM");
      }),
  };
}

/** Sends `signal` to the process group `pgid`; a group that is gone already is no error. */
export function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (error.code !== "ESRCH") throw error;
  }
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
