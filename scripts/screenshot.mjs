// Screenshots of the status page and one run view with real data from a local tick: starts the stand-in
// stack and the runner on ports of their own with throwaway storage, runs a tick and one manual run, and lets
// Debian's headless Chromium capture each page whole into screenshots/ (git-ignored), or with --update-docs into
// docs/status-page.png and docs/run-view.png. `npm run screenshot [-- --update-docs]`.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startWorker } from "./wrangler-dev.mjs";

// wrangler finds both configs relative to the repository root, wherever the script was started from.
process.chdir(fileURLToPath(new URL("..", import.meta.url)));

// Not 8787/8788 (a developer's `npm run dev`) and not 1878x (the benchmark), so all three can run side by side.
const STACK_PORT = 28788;
const RUNNER_PORT = 28787;
const stackUrl = `http://localhost:${STACK_PORT}`;
const runnerUrl = `http://localhost:${RUNNER_PORT}`;
const CHROMIUM = process.env.CHROMIUM ?? "chromium";
const UPDATE_DOCS = "--update-docs";
const OUT = process.argv.includes(UPDATE_DOCS) ? "docs" : "screenshots";
const STATUS_SHOT = "status-page.png";
const RUN_SHOT = "run-view.png";
/** The window's width; each page is captured at its full height. */
const WIDTH = 1280;
const CHROMIUM_MS = 30_000;

class Failure extends Error {
  /** quiet: wrangler's output has nothing to say about this failure. */
  constructor(message, { quiet = false } = {}) {
    super(message);
    this.quiet = quiet;
  }
}

// wrangler's output stays quiet unless something fails; then its last lines say why.
const recent = [];
const remember = (name) => (line) => {
  recent.push(`[${name}] ${line}`);
  if (recent.length > 40) recent.shift();
};

function checkChromium() {
  const probe = spawnSync(CHROMIUM, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Failure(`${CHROMIUM} not found or not runnable (${probe.error?.message ?? probe.stderr.trim()}); install it with: apt-get install -y chromium`, { quiet: true });
  }
  console.log(`using ${probe.stdout.trim()}`);
}

/** A port that already answers belongs to someone else; wrangler would otherwise quietly take another one. */
async function checkFree(port) {
  const answered = await fetch(`http://localhost:${port}/`, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (answered) throw new Failure(`port ${port} is already in use; stop whatever listens there and retry`);
}

async function json(method, url, body) {
  const response = await fetch(url, { method, ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  if (!response.ok) throw new Failure(`${method} ${url}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The findings a tick's evidence opened; the evidence reaches the findings object just after the runs end. */
async function openFindings() {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { open } = await json("GET", `${runnerUrl}/findings`);
    if (open.length > 0) return open;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Failure("no finding opened within 30 s of the tick");
}

/** Runs one persona again and waits for that run to end, so the page shows a manual run next to the tick's. */
async function runAgain(userId) {
  const started = await json("POST", `${runnerUrl}/personas/${userId}/run`);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { runs } = await json("GET", `${runnerUrl}/personas/${userId}/runs`);
    const run = runs.find((candidate) => candidate.runId === started.runId);
    if (run && (run.phase === "succeeded" || run.phase === "failed")) return run;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Failure(`manual run ${started.runId} of ${userId} did not finish within 120 s`);
}

/**
 * Headless Chromium driven over the DevTools protocol, so each page is captured whole whatever its height (the
 * `--screenshot` switch captures the window only).
 */
async function openChromium(profile) {
  const child = spawn(
    CHROMIUM,
    ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let said = "";
  let socket;
  try {
    const endpoint = await withTimeout(
      new Promise((resolve, reject) => {
        child.stderr.on("data", (chunk) => {
          said += chunk.toString();
          const listening = /DevTools listening on (ws:\/\/\S+)/.exec(said);
          if (listening) resolve(listening[1]);
        });
        child.once("exit", (code) => reject(new Failure(`chromium exited with ${code}:\n${said}`, { quiet: true })));
      }),
      CHROMIUM_MS,
      "starting chromium",
    );
    socket = new WebSocket(endpoint);
    await withTimeout(once(socket, "open"), CHROMIUM_MS, "connecting to chromium");
  } catch (error) {
    // The caller has nothing to close yet, so a Chromium that never became reachable is stopped here.
    child.kill("SIGKILL");
    throw error;
  }
  let lastId = 0;
  const pending = new Map();
  const waiters = new Set();
  socket.addEventListener("message", ({ data }) => {
    const message = JSON.parse(data);
    const call = pending.get(message.id);
    if (call) {
      pending.delete(message.id);
      if (message.error) call.reject(new Failure(`chromium: ${message.error.message}`));
      else call.resolve(message.result);
    } else for (const waiter of waiters) waiter(message);
  });
  const send = (method, params = {}, sessionId) =>
    withTimeout(
      new Promise((resolve, reject) => {
        const id = ++lastId;
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      }),
      CHROMIUM_MS,
      method,
    );
  const next = (method, sessionId) =>
    new Promise((resolve) => {
      const waiter = (message) => {
        if (message.method !== method || message.sessionId !== sessionId) return;
        waiters.delete(waiter);
        resolve(message.params);
      };
      waiters.add(waiter);
    });
  return {
    async capture(url, file) {
      const { targetId } = await send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
      await send("Page.enable", {}, sessionId);
      await send("Emulation.setDeviceMetricsOverride", { width: WIDTH, height: 800, deviceScaleFactor: 1, mobile: false }, sessionId);
      const loaded = next("Page.loadEventFired", sessionId);
      await send("Page.navigate", { url }, sessionId);
      await withTimeout(loaded, CHROMIUM_MS, `loading ${url}`);
      const { cssContentSize } = await send("Page.getLayoutMetrics", {}, sessionId);
      const height = Math.ceil(cssContentSize.height);
      const clip = { x: 0, y: 0, width: WIDTH, height, scale: 1 };
      const { data } = await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, clip }, sessionId);
      await writeFile(file, Buffer.from(data, "base64"));
      await send("Target.closeTarget", { targetId });
      console.log(`wrote ${file} (${WIDTH}×${height})`);
    },
    async close() {
      socket.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill();
      await exited;
    },
  };
}

async function main() {
  checkChromium();
  await Promise.all([checkFree(STACK_PORT), checkFree(RUNNER_PORT)]);
  const scratch = await mkdtemp(join(tmpdir(), "persona-runner-screenshot-"));
  const workers = [];
  let chromium;
  const stopAll = () => Promise.all([...workers.map((worker) => worker.stop()), chromium?.close()]);
  const interrupted = () =>
    void stopAll()
      .then(() => rm(scratch, { recursive: true, force: true }))
      .finally(() => process.exit(130));
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const persist = ["--persist-to", join(scratch, "state")];
    const stackArgs = ["--cwd", "test/stack", "-c", "wrangler.toml", "--port", String(STACK_PORT), "--inspector-port", String(await freePort(29230)), ...persist];
    // wrangler.toml's dev vars point at the stand-in on 8788; these point the runner at this script's stand-in.
    const runnerArgs = ["--env", "dev", "--port", String(RUNNER_PORT), "--inspector-port", String(await freePort(29229)), ...persist];
    for (const name of ["MANA_AUTH_URL", "MANA_MCP_URL", "ANTHROPIC_BASE_URL"]) runnerArgs.push("--var", `${name}:${stackUrl}`);
    runnerArgs.push("--var", `ALERT_WEBHOOK_URL:${stackUrl}/__stack/webhook`, "--var", `RUNNER_PUBLIC_URL:${runnerUrl}`);
    workers.push(startWorker("stack", stackArgs, { quiet: true, onLine: remember("stack") }));
    workers.push(startWorker("runner", runnerArgs, { quiet: true, onLine: remember("runner") }));
    await withTimeout(Promise.all(workers.map((worker) => worker.ready)), 120_000, "starting wrangler dev");
    console.log("stand-in stack and runner are up");

    await json("POST", `${stackUrl}/__stack/reset`);
    // A Wednesday on the stand-in's clock, so all ten personas are due and listed whatever the day.
    await json("PUT", `${stackUrl}/__stack/auth/clock`, { now: "2026-11-25T09:00:00Z" });
    // The known mana-sync defect of the real stack (every pulling read fails), so the status page shows findings.
    await json("PUT", `${stackUrl}/__stack/mcp/defects`, { syncPullShape: true });
    const tick = await json("POST", `${runnerUrl}/diag/tick`);
    const { due, ranSuccessfully, failed } = tick.result;
    console.log(`tick: ${due} due, ${ranSuccessfully} ran, ${failed.length} failed`);
    if (!tick.ok || ranSuccessfully === 0) throw new Failure(`the tick produced no clean runs: ${JSON.stringify(tick.result)}`);
    const open = await openFindings();
    console.log(`open findings: ${open.map((finding) => finding.id).join(", ")}`);

    await mkdir(OUT, { recursive: true });
    chromium = await openChromium(join(scratch, "chromium"));
    await chromium.capture(`${runnerUrl}/`, join(OUT, STATUS_SHOT));
    await json("PUT", `${stackUrl}/__stack/mcp/defects`, { syncPullShape: null });

    const { personas } = await json("GET", `${runnerUrl}/personas`);
    const ran = personas.filter((p) => p.lastRun?.phase === "succeeded");
    // The persona with the most tool calls makes the most telling conversation.
    const chosen = ran.reduce((best, p) => (p.lastRun.toolCalls > best.lastRun.toolCalls ? p : best));
    const again = await runAgain(chosen.userId);
    console.log(`manual run of ${chosen.email}: ${again.phase}, ${again.toolCalls} tool calls`);
    if (again.phase !== "succeeded") throw new Failure(`the manual run of ${chosen.email} failed: ${again.error ?? "no error recorded"}`);

    const runPath = `/runs/${chosen.userId}/${encodeURIComponent(again.runId)}`;
    await chromium.capture(`${runnerUrl}${runPath}`, join(OUT, RUN_SHOT));
  } finally {
    await stopAll();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    if (recent.length > 0 && !error?.quiet) console.error(`last wrangler output:\n${recent.join("\n")}`);
    console.error(`screenshot: ${error instanceof Failure ? error.message : (error?.stack ?? error)}`);
    process.exit(1);
  },
);
