// `npm run bench`: the runner's own overhead, fan-out, bundle size and prompt-cache savings against the
// stand-in stack with zero added latency. Prints a table, then one JSON object as the last line.
import os from "node:os";
import { measureBundle } from "./bundle.mjs";
import { cpuMs, sampleRss } from "./proc.mjs";
import { createWorld, json, post, runnerUrl, stackUrl } from "./workers.mjs";

const RUNS = 100;
const ROUNDS = 3;
const TOOL_CALLS = 6;
const DISPATCH_SIZES = [1_000, 10_000];
/** Anthropic's billing of cached input: writes cost 1.25×, reads 0.1× an ordinary input token. */
const billedInput = (u) => u.input_tokens + 1.25 * u.cache_creation_input_tokens + 0.1 * u.cache_read_input_tokens;

const world = await createWorld();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => void world.close().finally(() => process.exit(130)));
}
try {
  const figures = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    referenceLoopMs: referenceLoopMs(),
  };

  await world.startRunner({ PERSONA_CONCURRENCY: RUNS, DAILY_TOKEN_BUDGET: 1_000_000_000, PROMPT_CACHING: "true" });
  await runPhase("warm", 10);
  // This VM's CPU speed varies between minutes by up to a third: the median of three rounds is reported.
  const rounds = [];
  for (let n = 1; n <= ROUNDS; n++) rounds.push(await runPhase(`run${n}`, RUNS));
  const cached = rounds.toSorted((a, b) => a.wallMs - b.wallMs)[Math.floor(ROUNDS / 2)];
  Object.assign(figures, {
    msPerRun: round(cached.wallMs / RUNS),
    msPerStep: round(cached.wallMs / cached.steps),
    msPerRunRounds: rounds.map((each) => round(each.wallMs / RUNS)),
    steps: cached.steps,
    toolCalls: cached.toolCalls,
    peakRssMb: round(Math.max(...rounds.map((each) => each.peakRssMb))),
    runnerCpuMsPerRun: round(cached.runnerCpuMs / RUNS),
    stackCpuMsPerRun: round(cached.stackCpuMs / RUNS),
    mainTurnRequestsAfterFirstWithCacheRead: cached.cacheReadShare,
  });

  await world.startRunner({ PERSONA_CONCURRENCY: RUNS, DAILY_TOKEN_BUDGET: 1_000_000_000, PROMPT_CACHING: "false" });
  const uncached = await runPhase("nocache", RUNS);
  figures.billedInputPerRunCached = round(cached.billedInput / RUNS);
  figures.billedInputPerRunUncached = round(uncached.billedInput / RUNS);
  figures.cachedInputCostRatio = round(cached.billedInput / uncached.billedInput, 3);

  // The runs above spent far more than 1,000 tokens today, so every dispatched run waits for tomorrow's
  // budget: what is measured is the cron's fan-out alone.
  await world.startRunner({ DAILY_TOKEN_BUDGET: 1_000 });
  let maxSubrequests = 0;
  for (const size of DISPATCH_SIZES) {
    const result = await dispatchPhase(size);
    figures[`dispatch${size / 1000}kMs`] = result.wallMs;
    figures[`dispatch${size / 1000}kTickMs`] = result.tickMs;
    figures[`dispatch${size / 1000}kExactlyOnce`] = result.exactlyOnce;
    figures[`dispatch${size / 1000}kCpuMs`] = { runner: result.runnerCpuMs, stack: result.stackCpuMs };
    figures[`dispatch${size / 1000}kCounts`] = result.counts;
    figures[`dispatch${size / 1000}kRepeatMs`] = result.repeatMs;
    if (result.firstError) figures[`dispatch${size / 1000}kErrors`] = result.firstError;
    maxSubrequests = Math.max(maxSubrequests, result.maxSubrequests);
  }
  figures.maxSubrequestsPerInvocation = maxSubrequests;

  const bundle = await measureBundle();
  figures.bundleGzipBytes = bundle.gzipBytes;
  figures.bundleRawBytes = bundle.rawBytes;
  figures.bundleTopPackages = bundle.byPackage.slice(0, 6).map(({ name, bytes }) => `${name} ${Math.round(bytes / 1024)} KiB`);

  printTable(figures);
  console.log(JSON.stringify(figures));
} finally {
  await world.close();
}

/**
 * A fixed CPU-bound loop (best of three): this VM's speed drifts by a third between hours, so figures from
 * different runs compare only next to this one.
 */
function referenceLoopMs() {
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    let sink = 0;
    for (let i = 0; i < 300_000_000; i++) sink += i % 7;
    best = Math.min(best, performance.now() - started + (sink < 0 ? 1 : 0));
  }
  return Math.round(best);
}

/** Seeds `count` fresh personas with pinned tool calls and times one /diag/tick that runs them all. */
async function runPhase(prefix, count) {
  await post(`${stackUrl}/__stack/auth/seed`, { count, toolCalls: TOOL_CALLS, prefix });
  await post(`${stackUrl}/__stack/claude/reset`);
  const logs = world.logsSince();
  const rss = sampleRss(world.runnerGroup());
  const cpuBefore = [await cpuMs(world.runnerGroup()), await cpuMs(world.stackGroup)];
  const tick = await post(`${runnerUrl}/diag/tick`);
  const wallMs = tick.result.durationMs;
  const runnerCpuMs = (await cpuMs(world.runnerGroup())) - cpuBefore[0];
  const stackCpuMs = (await cpuMs(world.stackGroup)) - cpuBefore[1];
  const peakRssMb = await rss.stop();
  if (tick.result.ranSuccessfully !== count || tick.result.failed.length > 0) {
    throw new Error(`${prefix}: expected ${count} successful runs, got ${JSON.stringify(tick.result).slice(0, 1000)}`);
  }
  const turns = await logLines(logs, "main_turn_ended", count);
  const stats = await json(`${stackUrl}/__stack/claude/stats`);
  return {
    wallMs,
    peakRssMb,
    runnerCpuMs,
    stackCpuMs,
    steps: sum(turns.map((line) => line.turns)),
    toolCalls: sum(turns.map((line) => line.toolCalls)),
    billedInput: billedInput(stats.usage),
    cacheReadShare: cacheReadShare(stats.log),
  };
}

/**
 * Share of a run's main-turn requests after its first that read from the prompt cache. The rating turn is left
 * out: it is a fresh request without tools by design, so it has no cached prefix to read.
 */
function cacheReadShare(log) {
  const seen = new Set();
  let later = 0;
  let reads = 0;
  for (const entry of log) {
    if (!entry.tools?.length) continue;
    if (!seen.has(entry.system)) {
      seen.add(entry.system);
      continue;
    }
    later++;
    if ((entry.usage?.cache_read_input_tokens ?? 0) > 0) reads++;
  }
  return later === 0 ? 0 : round(reads / later, 3);
}

/** One cron invocation receiving `size` due personas; a second one for the same minute must dispatch nobody. */
async function dispatchPhase(size) {
  await post(`${stackUrl}/__stack/auth/seed`, { count: size, prefix: `d${size}` });
  const time = Date.now();
  const trigger = () => fetch(`${runnerUrl}/cdn-cgi/local/scheduled?cron=*+*+*+*+*&time=${time}`).then((r) => r.text());
  const logs = world.logsSince();
  const cpuBefore = [await cpuMs(world.runnerGroup()), await cpuMs(world.stackGroup)];
  const started = performance.now();
  const outcome = await trigger();
  const wallMs = Math.round(performance.now() - started);
  const runnerCpuMs = (await cpuMs(world.runnerGroup())) - cpuBefore[0];
  const stackCpuMs = (await cpuMs(world.stackGroup)) - cpuBefore[1];
  if (outcome !== "ok") throw new Error(`scheduled handler answered ${outcome}`);
  const first = await logLine(logs, "tick_dispatched");
  const firstError = logs().find((line) => line.event === "dispatch_errors");
  const repeat = world.logsSince();
  const repeatStarted = performance.now();
  await trigger();
  const repeatMs = Math.round(performance.now() - repeatStarted);
  const second = await logLine(repeat, "tick_dispatched");
  const shards = logs().filter((line) => line.event === "shard_dispatched");
  return {
    wallMs,
    repeatMs,
    firstError: firstError && `${firstError.count} × ${firstError.first}`,
    runnerCpuMs,
    stackCpuMs,
    tickMs: first?.durationMs,
    counts: { first: countsOf(first), repeat: countsOf(second) },
    exactlyOnce: first?.held === size && second?.duplicate === size,
    maxSubrequests: Math.max(first?.subrequests ?? 0, second?.subrequests ?? 0, ...shards.map((line) => line.subrequests)),
  };
}

/** The Worker's log lines reach us through a pipe, possibly just after the response that they describe. */
async function logLines(logs, event, count, waitMs = 5_000) {
  const until = Date.now() + waitMs;
  for (;;) {
    const lines = logs().filter((each) => each.event === event);
    if (lines.length >= count || Date.now() > until) return lines;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function logLine(logs, event) {
  return (await logLines(logs, event, 1))[0];
}

function printTable(figures) {
  const rows = [
    ["msPerRun", `${figures.msPerRun} ms (median of ${figures.msPerRunRounds.join(", ")})`, "≤ 60"],
    ["msPerStep", `${figures.msPerStep} ms (${figures.steps} steps, ${figures.toolCalls} tool calls)`, "≤ 5"],
    ["peakRssMb", `${figures.peakRssMb} MiB`, ""],
    ["CPU per run", `runner ${figures.runnerCpuMsPerRun} ms, stand-in ${figures.stackCpuMsPerRun} ms`, ""],
    ["dispatch1kMs", dispatchLine(figures, "1k"), ""],
    ["dispatch10kMs", dispatchLine(figures, "10k"), "≤ 10000"],
    ["maxSubrequestsPerInvocation", String(figures.maxSubrequestsPerInvocation), "≤ 1000"],
    ["bundleGzipBytes", `${figures.bundleGzipBytes} (${Math.round(figures.bundleGzipBytes / 1024)} KiB)`, "≤ 512 KiB"],
    ["cachedInputCostRatio", `${figures.cachedInputCostRatio} (${figures.billedInputPerRunCached} vs ${figures.billedInputPerRunUncached} per run)`, "≤ 0.4"],
    ["main-turn requests after a run's 1st reading the cache", String(figures.mainTurnRequestsAfterFirstWithCacheRead), "1"],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`machine: ${figures.machine}; reference loop ${figures.referenceLoopMs} ms`);
  for (const [name, value, target] of rows) console.log(`${name.padEnd(width)}  ${value}${target ? `   target ${target}` : ""}`);
  console.log(`bundle, largest parts: ${figures.bundleTopPackages.join(", ")}`);
}

function dispatchLine(figures, size) {
  const counts = figures[`dispatch${size}Counts`].first;
  const errors = figures[`dispatch${size}Errors`];
  return `${figures[`dispatch${size}Ms`]} ms, ${counts.held ?? 0} held${errors ? `, ${errors}` : ""}; exactly once: ${figures[`dispatch${size}ExactlyOnce`]}; same minute again: ${figures[`dispatch${size}RepeatMs`]} ms`;
}

function countsOf(line) {
  const { due, held, started, duplicate, busy, error } = line ?? {};
  return { due, held, started, duplicate, busy, error };
}

function sum(values) {
  return values.reduce((total, value) => total + (value ?? 0), 0);
}

function round(value, digits = 1) {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
