// `npm run bench`: the runner's own overhead, fan-out, bundle size and prompt-cache savings against the
// stand-in stack with zero added latency. Prints a table, then one JSON object as the last line.
import os from "node:os";
import { measureBundle } from "./bundle.mjs";
import { cpuMs, sampleRss } from "./proc.mjs";
import { createWorld, json, post, runnerUrl, stackUrl } from "./workers.mjs";

const RUNS = 100;
const TOOL_CALLS = 6;
const DISPATCH_SIZES = [1_000, 10_000];
/** Anthropic's billing of cached input: writes cost 1.25×, reads 0.1× an ordinary input token. */
const billedInput = (u) => u.input_tokens + 1.25 * u.cache_creation_input_tokens + 0.1 * u.cache_read_input_tokens;

const world = await createWorld();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => void world.close().finally(() => process.exit(130)));
}
try {
  const figures = { machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB` };

  await world.startRunner({ PERSONA_CONCURRENCY: RUNS, DAILY_TOKEN_BUDGET: 1_000_000_000, PROMPT_CACHING: "true" });
  await runPhase("warm", 10);
  const cached = await runPhase("run", RUNS);
  Object.assign(figures, {
    msPerRun: round(cached.wallMs / RUNS),
    msPerStep: round(cached.wallMs / cached.steps),
    steps: cached.steps,
    toolCalls: cached.toolCalls,
    peakRssMb: round(cached.peakRssMb),
    runnerCpuMsPerRun: round(cached.runnerCpuMs / RUNS),
    stackCpuMsPerRun: round(cached.stackCpuMs / RUNS),
    requestsAfterFirstWithCacheRead: cached.cacheReadShare,
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
  const turns = logs().filter((line) => line.event === "main_turn_ended");
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

/** Share of requests after a persona's first one that read from the prompt cache. */
function cacheReadShare(log) {
  const seen = new Set();
  let later = 0;
  let reads = 0;
  for (const entry of log) {
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
  const first = logs().find((line) => line.event === "tick_dispatched");
  const firstError = logs().find((line) => line.event === "dispatch_errors");
  const repeat = world.logsSince();
  const repeatStarted = performance.now();
  await trigger();
  const repeatMs = Math.round(performance.now() - repeatStarted);
  const second = repeat().find((line) => line.event === "tick_dispatched");
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

function printTable(figures) {
  const rows = [
    ["msPerRun", `${figures.msPerRun} ms`, "≤ 60"],
    ["msPerStep", `${figures.msPerStep} ms (${figures.steps} steps, ${figures.toolCalls} tool calls)`, "≤ 5"],
    ["peakRssMb", `${figures.peakRssMb} MiB`, ""],
    ["CPU per run", `runner ${figures.runnerCpuMsPerRun} ms, stand-in ${figures.stackCpuMsPerRun} ms`, ""],
    ["dispatch1kMs", dispatchLine(figures, "1k"), ""],
    ["dispatch10kMs", dispatchLine(figures, "10k"), "≤ 10000"],
    ["maxSubrequestsPerInvocation", String(figures.maxSubrequestsPerInvocation), "≤ 1000"],
    ["bundleGzipBytes", `${figures.bundleGzipBytes} (${Math.round(figures.bundleGzipBytes / 1024)} KiB)`, "≤ 512 KiB"],
    ["cachedInputCostRatio", `${figures.cachedInputCostRatio} (${figures.billedInputPerRunCached} vs ${figures.billedInputPerRunUncached} per run)`, "≤ 0.4"],
    ["cache reads after 1st request", String(figures.requestsAfterFirstWithCacheRead), "1"],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`machine: ${figures.machine}`);
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
