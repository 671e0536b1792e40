// `npm run bench`: the runner's own overhead, what a run costs in dollars (ten personas in one tick, per tool
// surface, model and request layout) and in storage, memory over thousands of runs, the fan-out to 1k and 10k
// personas, the cost of 10k runs waiting, the status page at 10k, the bundle. `-- --phases=speed,cost` runs some.
// Against the stand-in stack with zero added latency. Prints a table, then one JSON object as the last line.
import { createHash } from "node:crypto";
import os from "node:os";
import { measureBundle } from "./bundle.mjs";
import { cpuMs, rssMb, sampleRss } from "./proc.mjs";
import { createWorld, json, post, runnerUrl, stackUrl } from "./workers.mjs";

const RUNS = 100;
const ROUNDS = 3;
const TOOL_CALLS = 6;
const DEFAULT_MODEL = "claude-sonnet-4-6";
const MODELS = [DEFAULT_MODEL, "claude-haiku-4-5", "claude-opus-4-6"];
/** One tick of ten personas: what a run costs when a tick's personas can share the tool prefix. */
const TICK_PERSONAS = 10;
/**
 * The request layouts compared in the same bench run: no caching; the persona's own prefix only (the layout before
 * the shared tool prefix, TOOL_CACHE_TTL=off); the shared tool prefix with either lifetime.
 */
const LAYOUTS = {
  uncached: { PROMPT_CACHING: "false" },
  off: { PROMPT_CACHING: "true", TOOL_CACHE_TTL: "off" },
  "5m": { PROMPT_CACHING: "true", TOOL_CACHE_TTL: "5m" },
  "1h": { PROMPT_CACHING: "true", TOOL_CACHE_TTL: "1h" },
};
/**
 * The tool surfaces offered: the fourteen tools the stand-in served before it had the whole registry; the
 * registry's 33 minus the four image tools the runner denies by default; all 33.
 */
const FOURTEEN = "habits.archive,habits.create,habits.list,habits.update,journal.add,mood.log,mood.recent,mood.today,notes.create,notes.search,spaces.list,todo.complete,todo.create,todo.list";
const SURFACES = { fourteen: { TOOL_ALLOW: FOURTEEN }, default: {}, all33: { TOOL_DENY: "" } };
/** `npm run bench -- --phases=speed,cost` runs only those phases while iterating; the recorded run runs all. */
const PHASES = ["speed", "cost", "forty", "memory", "dispatch", "queue", "bundle"];
const DISPATCH_SIZES = [1_000, 10_000];
const QUEUED = 10_000;
const MEMORY_PERSONAS = 10;
/** Local workerd's resident memory climbs for 1,200 to 1,500 runs of the same ten personas before it levels off. */
const MEMORY_WARM_ROUNDS = 200;
const MEMORY_ROUNDS = 200;
/** Rounds between two samples of resident memory: a sample every hundred runs. */
const MEMORY_SAMPLE_ROUNDS = 10;
/** Anthropic's billing of cached input: 5-minute writes cost 1.25×, 1-hour writes 2×, reads 0.1× an ordinary input token. */
const billedInput = (u) =>
  u.input_tokens + 1.25 * u.cache_creation.ephemeral_5m_input_tokens + 2 * u.cache_creation.ephemeral_1h_input_tokens + 0.1 * u.cache_read_input_tokens;
/** No budget and no start-up ramp: the throughput phases measure the runner, not its brakes. */
const UNLIMITED = { DAILY_BUDGET_USD: 100_000, QUEUE_WAKES_PER_SECOND: 1_000 };

const phases = selectedPhases(process.argv.slice(2));
const world = await createWorld();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => void world.close().finally(() => process.exit(130)));
}
try {
  const figures = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    referenceLoopMs: referenceLoopMs(),
    phases: [...phases],
  };
  if (phases.has("speed")) Object.assign(figures, await speedPhase());
  if (phases.has("cost")) Object.assign(figures, await costPhase());
  if (phases.has("forty")) {
    await world.startRunner({ PERSONA_CONCURRENCY: 10, ...UNLIMITED, MAX_TURNS: 60, MAX_TOOL_CALLS: 40 });
    figures.storageBytesPer40CallRun = Math.round((await runPhase("forty", 10, 40)).storageBytes);
  }
  if (phases.has("memory")) Object.assign(figures, await memoryPhase());
  if (phases.has("dispatch")) Object.assign(figures, await dispatchPhases());
  if (phases.has("queue")) Object.assign(figures, await queuePhase());
  if (phases.has("bundle")) {
    const bundle = await measureBundle();
    figures.bundleGzipBytes = bundle.gzipBytes;
    figures.bundleRawBytes = bundle.rawBytes;
    figures.bundleTopPackages = bundle.byPackage.slice(0, 6).map(({ name, bytes }) => `${name} ${Math.round(bytes / 1024)} KiB`);
  }

  printTable(figures);
  console.log(JSON.stringify(figures));
} finally {
  await world.close();
}

function selectedPhases(args) {
  const chosen = args.find((arg) => arg.startsWith("--phases="))?.slice("--phases=".length).split(",") ?? PHASES;
  const unknown = chosen.filter((phase) => !PHASES.includes(phase));
  if (unknown.length > 0) throw new Error(`unknown phase ${unknown.join(", ")}; the phases are ${PHASES.join(", ")}`);
  return new Set(chosen);
}

/** A warm-up, then three rounds of 100 runs in one tick each: speed, CPU, storage, cache reads. */
async function speedPhase() {
  await world.startRunner({ PERSONA_CONCURRENCY: RUNS, ...UNLIMITED, PROMPT_CACHING: "true" });
  await runPhase("warm", 10);
  // This VM's CPU speed varies between minutes by up to a third, and more between hours: the median of three
  // rounds is reported.
  const rounds = [];
  for (let n = 1; n <= ROUNDS; n++) rounds.push(await runPhase(`run${n}`, RUNS));
  const median = rounds.toSorted((a, b) => a.wallMs - b.wallMs)[Math.floor(ROUNDS / 2)];
  return {
    msPerRun: round(median.wallMs / RUNS),
    msPerStep: round(median.wallMs / median.steps),
    msPerRunRounds: rounds.map((each) => round(each.wallMs / RUNS)),
    steps: median.steps,
    toolCalls: median.toolCalls,
    peakRssMb: round(Math.max(...rounds.map((each) => each.peakRssMb))),
    runnerCpuMsPerRun: round(median.runnerCpuMs / RUNS),
    stackCpuMsPerRun: round(median.stackCpuMs / RUNS),
    runnerCpuMsPerRunRounds: rounds.map((each) => round(each.runnerCpuMs / RUNS)),
    requestsAfterFirstWithCacheRead: median.cacheReadShare,
    storageBytesPerRun: Math.round(median.storageBytes),
  };
}

/**
 * Ten personas in one tick, per tool surface, model and request layout, all in this bench run: billed input
 * tokens and dollars per run, and the model requests and tool calls behind them (which must not differ).
 */
async function costPhase() {
  const tick = {};
  for (const [surface, surfaceVars] of Object.entries(SURFACES)) {
    tick[surface] = {};
    for (const model of MODELS) {
      tick[surface][model] = {};
      for (const [layout, layoutVars] of Object.entries(LAYOUTS)) {
        if (layout === "5m" && model !== DEFAULT_MODEL) continue;
        await world.startRunner({ PERSONA_CONCURRENCY: TICK_PERSONAS, ...UNLIMITED, ...surfaceVars, ANTHROPIC_MODEL: model, ...layoutVars });
        // Fresh personas for each: the stand-in's seed prefix is at most 20 of [a-z0-9-].
        const prefix = `c${Object.keys(SURFACES).indexOf(surface)}-${MODELS.indexOf(model)}-${layout}`;
        const result = await runPhase(prefix, TICK_PERSONAS);
        tick[surface][model][layout] = {
          billedInputPerRun: round(result.billedInput / TICK_PERSONAS),
          dollarsPerRun: round(result.costUsd, 5),
          requests: result.requests,
          toolCalls: result.toolCalls,
          toolTokens: result.toolTokens,
        };
      }
    }
  }
  const standIn = tick.default[DEFAULT_MODEL];
  return {
    tickOfTen: tick,
    billedInputPerRunShared: standIn["1h"].billedInputPerRun,
    billedInputPerRunUnshared: standIn.off.billedInputPerRun,
    billedInputPerRunUncached: standIn.uncached.billedInputPerRun,
    sharedPrefixSaving: round(1 - standIn["1h"].billedInputPerRun / standIn.off.billedInputPerRun, 3),
    cachedInputCostRatio: round(standIn["1h"].billedInputPerRun / standIn.uncached.billedInputPerRun, 3),
    dollarsPerRun: Object.fromEntries(MODELS.map((model) => [model, { shared: tick.default[model]["1h"].dollarsPerRun, unshared: tick.default[model].off.dollarsPerRun, uncached: tick.default[model].uncached.dollarsPerRun }])),
  };
}

/** Ten runs spend more than a cent today, so every run the cron then dispatches waits: its fan-out alone. */
async function dispatchPhases() {
  await world.startRunner({ PERSONA_CONCURRENCY: 10, ...UNLIMITED });
  await runPhase("spend", 10);
  await world.startRunner({ DAILY_BUDGET_USD: 0.01 });
  const figures = {};
  let maxSubrequests = 0;
  for (const size of DISPATCH_SIZES) {
    const result = await dispatchPhase(size);
    const key = `dispatch${size / 1000}k`;
    Object.assign(figures, {
      [`${key}Ms`]: result.wallMs,
      [`${key}TickMs`]: result.tickMs,
      [`${key}ExactlyOnce`]: result.exactlyOnce,
      [`${key}CpuMs`]: { runner: result.runnerCpuMs, stack: result.stackCpuMs },
      [`${key}Counts`]: result.counts,
      [`${key}RepeatMs`]: result.repeatMs,
      [`${key}MsPerPersona`]: round(result.wallMs / Math.max(1, result.dispatched), 2),
    });
    if (result.firstError) figures[`${key}Errors`] = result.firstError;
    maxSubrequests = Math.max(maxSubrequests, result.maxSubrequests);
  }
  figures.maxSubrequestsPerInvocation = maxSubrequests;
  return figures;
}

/**
 * A fixed CPU-bound loop (best of three): this VM's speed drifts by up to 70 % between hours, so figures from
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
async function runPhase(prefix, count, toolCalls = TOOL_CALLS) {
  await post(`${stackUrl}/__stack/auth/seed`, { count, toolCalls, prefix });
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
  const finished = await logLines(logs, "run_finished", count);
  const stats = await json(`${stackUrl}/__stack/claude/stats`);
  return {
    wallMs,
    peakRssMb,
    runnerCpuMs,
    stackCpuMs,
    steps: sum(turns.map((line) => line.turns)),
    toolCalls: sum(turns.map((line) => line.toolCalls)),
    requests: stats.requests,
    // What the shared prefix holds: the tokens written at the 1-hour rate, or read by the personas after the first.
    toolTokens: Math.max(...stats.log.map((entry) => entry.usage?.cache_creation.ephemeral_1h_input_tokens ?? 0)),
    billedInput: billedInput(stats.usage),
    cacheReadShare: cacheReadShare(stats.log),
    // The runner's own accounting at list prices (src/claude/prices.ts), per run.
    costUsd: sum(finished.map((line) => line.costUsd)) / count,
    storageBytes: sum(finished.map((line) => line.objectBytesWritten)) / count,
  };
}

/**
 * Share of a persona's requests after its first that read from the prompt cache: the tool loop's, and the rating
 * turn's, which continues the same conversation.
 */
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

/**
 * Resident memory of the runner over four thousand runs of the same ten personas, sampled every hundred runs:
 * growth during a warm-up of MEMORY_WARM_ROUNDS rounds, then the steady state's growth per run (least squares)
 * over MEMORY_ROUNDS more.
 */
async function memoryPhase() {
  await world.startRunner({ PERSONA_CONCURRENCY: MEMORY_PERSONAS, ...UNLIMITED });
  await post(`${stackUrl}/__stack/auth/seed`, { count: MEMORY_PERSONAS, toolCalls: TOOL_CALLS, prefix: "mem" });
  await post(`${runnerUrl}/diag/tick`);
  // The stand-in derives user ids from emails (SHA-256, first 32 hex digits).
  const userIds = Array.from({ length: MEMORY_PERSONAS }, (_, i) => createHash("sha256").update(`persona.mem${i}@mana.test`).digest("hex").slice(0, 32));
  const oneRound = async () => {
    const runs = await Promise.all(userIds.map((userId) => post(`${runnerUrl}/personas/${userId}/run?waitMs=60000`)));
    const failed = runs.filter((run) => run.phase !== "succeeded");
    if (failed.length > 0) throw new Error(`memory phase: ${JSON.stringify(failed).slice(0, 500)}`);
    // The stand-in's cache and logs grow with every request; a reset keeps its memory out of the runner's figure.
    await post(`${stackUrl}/__stack/claude/reset`);
  };
  const series = [await rssMb(world.runnerGroup())];
  for (let n = 1; n <= MEMORY_WARM_ROUNDS + MEMORY_ROUNDS; n++) {
    await oneRound();
    if (n % MEMORY_SAMPLE_ROUNDS === 0) series.push(await rssMb(world.runnerGroup()));
  }
  const warmUp = Math.floor(MEMORY_WARM_ROUNDS / MEMORY_SAMPLE_ROUNDS);
  return {
    rssGrowthKbPerRun: round((slope(series.slice(warmUp)) * 1024) / (MEMORY_SAMPLE_ROUNDS * MEMORY_PERSONAS), 1),
    rssWarmUpGrowthMb: round(series[warmUp] - series[0]),
    rssMbEveryHundredRuns: series.map((mb) => round(mb)),
    memoryRuns: (MEMORY_WARM_ROUNDS + MEMORY_ROUNDS) * MEMORY_PERSONAS,
    memoryWarmUpRuns: MEMORY_WARM_ROUNDS * MEMORY_PERSONAS,
  };
}

/** Least-squares slope of evenly spaced samples, per step. */
function slope(values) {
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = sum(values) / n;
  const covariance = sum(values.map((y, x) => (x - meanX) * (y - meanY)));
  const variance = sum(values.map((_, x) => (x - meanX) ** 2));
  return covariance / variance;
}

/** One cron invocation receiving `size` due personas; a second one for the same minute must dispatch nobody. */
async function dispatchPhase(size) {
  await post(`${stackUrl}/__stack/auth/seed`, { count: size, prefix: `d${size}` });
  const time = Date.now();
  const logs = world.logsSince();
  const cpuBefore = [await cpuMs(world.runnerGroup()), await cpuMs(world.stackGroup)];
  const started = performance.now();
  const outcome = await cron(time);
  const wallMs = Math.round(performance.now() - started);
  const runnerCpuMs = (await cpuMs(world.runnerGroup())) - cpuBefore[0];
  const stackCpuMs = (await cpuMs(world.stackGroup)) - cpuBefore[1];
  if (outcome !== "ok") throw new Error(`scheduled handler answered ${outcome}`);
  const first = await logLine(logs, "tick_dispatched");
  const firstError = logs().find((line) => line.event === "dispatch_errors");
  const repeat = world.logsSince();
  const repeatStarted = performance.now();
  await cron(time);
  const repeatMs = Math.round(performance.now() - repeatStarted);
  const second = await logLine(repeat, "tick_dispatched");
  const shards = logs().filter((line) => line.event === "shard_dispatched");
  const dispatched = first?.held ?? 0;
  return {
    wallMs,
    repeatMs,
    dispatched,
    firstError: firstError && `${firstError.count} × ${firstError.first}`,
    runnerCpuMs,
    stackCpuMs,
    tickMs: first?.durationMs,
    counts: { first: countsOf(first), repeat: countsOf(second) },
    // Exactly once: every persona the first tick queued is skipped by the second, which queues only those the
    // first could not reach.
    exactlyOnce: dispatched > 0 && (second?.waiting ?? 0) === dispatched && (second?.held ?? 0) <= (first?.error ?? 0),
    maxSubrequests: Math.max(first?.subrequests ?? 0, second?.subrequests ?? 0, ...shards.map((line) => line.subrequests)),
  };
}

/**
 * QUEUED personas due and queued behind two slots whose runs do not finish (the stand-in holds every model
 * request for a minute): the coordinator's calls and rows written per minute, over two minutes of ticks. The
 * status page and the persona list are timed with all of them known.
 */
async function queuePhase() {
  // Fresh storage: the dispatch phases' runs still wait in the queue, for personas the stand-in no longer has.
  await world.startRunner({ PERSONA_CONCURRENCY: 2, ...UNLIMITED }, { fresh: true });
  await post(`${stackUrl}/__stack/claude/reset`);
  const holds = await keepHolding();
  const keepAlive = setInterval(() => void fetch(`${runnerUrl}/metrics`).catch(() => undefined), 3_000);
  try {
    await post(`${stackUrl}/__stack/auth/seed`, { count: QUEUED, prefix: "q" });
    // One burst of ten thousand new objects outruns the local runtime's file descriptors (BENCHMARKS.md): the
    // personas the first tick could not reach are queued by the next one, as in production after any failure.
    const start = Date.now();
    for (let minute = 0; (await queueDepth()) < QUEUED - 2 && minute < 4; minute++) {
      await cron(start + minute * 60_000);
      await sleep(15_000);
    }
    const queued = await queueDepth();
    const before = await coordinatorLoad();
    for (let minute = 1; minute <= 2; minute++) {
      await sleep(60_000);
      await cron(start + (10 + minute) * 60_000);
    }
    await sleep(6_000);
    const after = await coordinatorLoad();
    if (after.requests < before.requests) throw new Error("queue phase: the coordinator restarted during the measurement");
    const started = (after.byMethod.acquire ?? 0) - (before.byMethod.acquire ?? 0);
    if (started > 0) throw new Error(`queue phase: ${started} runs got a slot during the measurement, so the stand-in stopped holding model requests`);
    const page = await timePage("/");
    const list = await timePage("/personas?limit=50");
    return {
      queuedPersonas: queued,
      coordinatorCallsPerMinute10kQueued: round((after.requests - before.requests) / 2),
      coordinatorRowsWrittenPerMinute10kQueued: round((after.rows - before.rows) / 2),
      coordinatorCallsByMethod: Object.fromEntries(Object.entries(after.byMethod).map(([method, value]) => [method, value - (before.byMethod[method] ?? 0)])),
      statusPageMs10k: page.ms,
      statusPageSubrequests10k: page.subrequests,
      personasPageMs10k: list.ms,
      personasPageSubrequests10k: list.subrequests,
      knownPersonas: page.total,
    };
  } finally {
    clearInterval(keepAlive);
    await holds.stop();
  }
}

/**
 * Keeps `hold` faults queued at the Claude stand-in, so the two running runs never finish. Forty queued once were
 * not enough in two bench runs of four: the queue was gone after the first minute and every run went through.
 */
async function keepHolding() {
  const topUp = async () => {
    const { pending } = await json(`${stackUrl}/__stack/claude/faults`);
    if (pending.length < 20) await post(`${stackUrl}/__stack/claude/faults`, { faults: Array.from({ length: 40 }, () => ({ fault: "hold" })) });
  };
  let running = topUp();
  await running;
  const timer = setInterval(() => (running = running.then(topUp).catch(() => undefined)), 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await running.catch(() => undefined);
      await post(`${stackUrl}/__stack/claude/reset`);
    },
  };
}

async function queueDepth() {
  return (await coordinatorLoad()).queueDepth;
}

/** The coordinator's own counters from /metrics; its `samples` calls are this measurement's and left out. */
async function coordinatorLoad() {
  await sleep(5_100);
  const text = await (await fetch(`${runnerUrl}/metrics`)).text();
  const byMethod = {};
  for (const [, method, value] of text.matchAll(/^persona_coordinator_requests_total\{method="(\w+)"\} (\d+)/gm)) {
    if (method !== "samples") byMethod[method] = Number(value);
  }
  return {
    byMethod,
    requests: sum(Object.values(byMethod)),
    rows: Number(/^persona_coordinator_rows_written_total (\d+)/m.exec(text)?.[1] ?? 0),
    queueDepth: Number(/^persona_queue_depth (\d+)/m.exec(text)?.[1] ?? 0),
  };
}

/** Median wall time of five loads of a page, and the subrequests its log line counted. */
async function timePage(path) {
  const times = [];
  let subrequests = 0;
  for (let n = 0; n < 5; n++) {
    const logs = world.logsSince();
    const started = performance.now();
    const response = await fetch(`${runnerUrl}${path}`);
    await response.text();
    times.push(performance.now() - started);
    const pathname = new URL(path, runnerUrl).pathname;
    const lines = await logLines(() => logs().filter((line) => line.path === pathname), "http_request", 1);
    subrequests = lines[0]?.subrequests ?? -1;
  }
  const { total } = await json(`${runnerUrl}/personas?limit=1`);
  return { ms: round(times.toSorted((a, b) => a - b)[2]), subrequests, total };
}

function cron(time) {
  return fetch(`${runnerUrl}/cdn-cgi/local/scheduled?cron=*+*+*+*+*&time=${time}`).then((r) => r.text());
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Worker's log lines reach us through a pipe, possibly just after the response that they describe. */
async function logLines(logs, event, count, waitMs = 5_000) {
  const until = Date.now() + waitMs;
  for (;;) {
    const lines = logs().filter((each) => each.event === event);
    if (lines.length >= count || Date.now() > until) return lines;
    await sleep(50);
  }
}

async function logLine(logs, event) {
  return (await logLines(logs, event, 1))[0];
}

function printTable(figures) {
  const rows = [];
  const row = (name, value, target = "") => rows.push([name, value, target]);
  if (figures.msPerRun !== undefined) {
    row("msPerRun", `${figures.msPerRun} ms (median of ${figures.msPerRunRounds.join(", ")})`, "≤ 60");
    row("msPerStep", `${figures.msPerStep} ms (${figures.steps} steps, ${figures.toolCalls} tool calls)`, "≤ 5");
    row("peakRssMb", `${figures.peakRssMb} MiB`);
    row("CPU per run", `runner ${figures.runnerCpuMsPerRun} ms (rounds ${figures.runnerCpuMsPerRunRounds.join(", ")}), stand-in ${figures.stackCpuMsPerRun} ms`, "runner ≤ 20");
    row("storageBytesPerRun", `${figures.storageBytesPerRun} (6 tool calls)`);
    row("requests after a persona's 1st reading the cache", String(figures.requestsAfterFirstWithCacheRead), "1");
  }
  if (figures.storageBytesPer40CallRun !== undefined) row("storageBytesPer40CallRun", String(figures.storageBytesPer40CallRun));
  if (figures.tickOfTen) {
    for (const [surface, models] of Object.entries(figures.tickOfTen)) {
      for (const [model, layouts] of Object.entries(models)) {
        const cells = Object.entries(layouts).map(
          ([layout, each]) => `${layout} ${each.billedInputPerRun} tok $${each.dollarsPerRun} (${each.requests} req, ${each.toolCalls} calls)`,
        );
        row(`tick of ten, ${surface}, ${model}`, `${cells.join("; ")}; tool prefix ${layouts["1h"]?.toolTokens ?? 0} tokens`);
      }
    }
    row("sharedPrefixSaving", `${figures.sharedPrefixSaving} (${figures.billedInputPerRunShared} vs ${figures.billedInputPerRunUnshared} billed input per run)`, "≥ 0.333");
    row("cachedInputCostRatio", `${figures.cachedInputCostRatio} (${figures.billedInputPerRunShared} vs ${figures.billedInputPerRunUncached} uncached)`, "≤ 0.2");
  }
  if (figures.rssGrowthKbPerRun !== undefined) {
    row("rssGrowthKbPerRun", `${figures.rssGrowthKbPerRun} KB after a warm-up of ${figures.memoryWarmUpRuns} runs (+${figures.rssWarmUpGrowthMb} MiB), ${figures.memoryRuns} runs in all`);
    row("RSS every 100 runs", `${figures.rssMbEveryHundredRuns.join(" ")} MiB`);
  }
  if (figures.dispatch1kMs !== undefined) {
    row("dispatch1kMs", dispatchLine(figures, "1k"), "≤ 2000");
    row("dispatch10kMs", dispatchLine(figures, "10k"), "≤ 10000");
    row("maxSubrequestsPerInvocation", String(figures.maxSubrequestsPerInvocation), "≤ 1000");
  }
  if (figures.coordinatorCallsPerMinute10kQueued !== undefined) {
    row("coordinatorCallsPerMinute10kQueued", `${figures.coordinatorCallsPerMinute10kQueued} (${figures.coordinatorRowsWrittenPerMinute10kQueued} rows written; ${figures.queuedPersonas} queued)`, "≤ 60");
    row("statusPage10k", `${figures.statusPageMs10k} ms, ${figures.statusPageSubrequests10k} subrequests (${figures.knownPersonas} personas)`, "≤ 300 ms, ≤ 10");
    row("personasPage10k", `${figures.personasPageMs10k} ms, ${figures.personasPageSubrequests10k} subrequests`, "≤ 300 ms, ≤ 10");
  }
  if (figures.bundleGzipBytes !== undefined) row("bundleGzipBytes", `${figures.bundleGzipBytes} (${Math.round(figures.bundleGzipBytes / 1024)} KiB)`, "≤ 512 KiB");
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`machine: ${figures.machine}; reference loop ${figures.referenceLoopMs} ms; phases ${figures.phases.join(", ")}`);
  for (const [name, value, target] of rows) console.log(`${name.padEnd(width)}  ${value}${target ? `   target ${target}` : ""}`);
  if (figures.bundleTopPackages) console.log(`bundle, largest parts: ${figures.bundleTopPackages.join(", ")}`);
}

function dispatchLine(figures, size) {
  const counts = figures[`dispatch${size}Counts`].first;
  const errors = figures[`dispatch${size}Errors`];
  return `${figures[`dispatch${size}Ms`]} ms, ${counts.held ?? 0} queued (${figures[`dispatch${size}MsPerPersona`]} ms each)${errors ? `, ${errors}` : ""}; exactly once: ${figures[`dispatch${size}ExactlyOnce`]}; same minute again: ${figures[`dispatch${size}RepeatMs`]} ms`;
}

function countsOf(line) {
  const { due, held, waiting, duplicate, busy, error } = line ?? {};
  return { due, held, waiting, duplicate, busy, error };
}

function sum(values) {
  return values.reduce((total, value) => total + (value ?? 0), 0);
}

function round(value, digits = 1) {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
