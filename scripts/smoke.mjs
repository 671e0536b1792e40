// `npm run smoke`: runs the shell blocks of README's "Local smoke" section as written against `npm run dev`, and
// compares what each command prints with what README says it prints (the comment after it; `…` stands for text
// that differs from run to run), and the dev script's ready line with the one README's Set-up quotes. Starts
// `npm run dev` twice, so a later start must print what the first did; stops everything it started (its workers
// killed if they do not stop) and removes the state it left. Part of CI (.ci/run).
import { execFile, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { killRecordedGroups } from "./dev-groups.mjs";
import { signalGroup } from "./wrangler-dev.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SECTION = "## Local smoke";
/** Where README says what `npm run dev` prints once both workers answer. */
const SETUP = "## Set-up";
const READY = /^\[dev\] ready: .*$/m;
const PORTS = [8787, 8788];
const STARTS = 2;
const READY_MS = 180_000;
const COMMAND_MS = 120_000;
const STOP_MS = 20_000;
const ELLIPSIS = "…";
const OUTPUT_MAX_BYTES = 16 * 1024 * 1024;
/** What `npm run dev` leaves: both workers' Durable Objects' storage. */
const STATE = ".wrangler/state";

process.chdir(ROOT);

function sectionOf(readme, heading) {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The ready line as README's Set-up quotes it, in a code span that may wrap across lines. */
function documentedReadyLine(readme) {
  const quoted = /`(\[dev\] ready: [^`]*)`/.exec(sectionOf(readme, SETUP));
  if (!quoted) throw new Error(`README.md's "${SETUP}" section quotes no "[dev] ready: " line`);
  return quoted[1].replace(/\s+/g, " ");
}

/** Each command of the section's ```sh blocks, with what it must print when the README says so. */
function smokeSteps(readme) {
  const section = sectionOf(readme, SECTION);
  const steps = [];
  for (const [, block] of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block.split("\n")) {
      if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
      // A comment starts at two or more spaces and a `#`; the commands themselves hold neither.
      const match = /^(.*?\S)\s{2,}#\s?(.*)$/.exec(line);
      steps.push(match ? { command: match[1], expected: match[2].trim() } : { command: line.trim() });
    }
  }
  if (steps.length === 0) throw new Error(`README.md's "${SECTION}" section has no sh block`);
  return steps;
}

/** Whether `printed` is `expected`, where each `…` in `expected` stands for any text, line breaks included. */
function printsAsDocumented(expected, printed) {
  const pattern = expected
    .split(ELLIPSIS)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[\\s\\S]*");
  return new RegExp(`^${pattern}$`).test(printed.trim());
}

function requireTools() {
  for (const tool of ["curl", "jq"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed; README's Requirements list it`);
  }
}

async function requireFreePorts() {
  for (const port of PORTS) {
    const answered = await fetch(`http://localhost:${port}/`, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (answered) throw new Error(`port ${port} is in use (another npm run dev?); stop it and retry`);
  }
}

/**
 * What `npm run dev` runs, started directly so that its exit means both workers have stopped (npm itself exits at
 * once on a signal), in a process group of its own; resolved once it prints that it is ready.
 */
function startDev() {
  const child = spawn(process.execPath, ["scripts/dev.mjs"], { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, FORCE_COLOR: "0" } });
  const output = [];
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dev script was not ready within ${READY_MS / 1000} s`)), READY_MS);
    const read = (chunk) => {
      output.push(chunk.toString());
      const line = READY.exec(output.join(""));
      if (line) {
        clearTimeout(timer);
        resolve(line[0]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the dev script exited with ${code} before it was ready`));
    });
  });
  // The dev script's workers run in process groups of their own, which killing the dev script's group misses.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) signalGroup(child.pid, "SIGKILL");
    killRecordedGroups(child.pid);
  };
  const stop = () =>
    new Promise((resolve) => {
      const stopped = () => {
        clearTimeout(escalation);
        kill();
        resolve();
      };
      const escalation = setTimeout(kill, STOP_MS);
      if (child.exitCode !== null || child.signalCode !== null) return stopped();
      child.once("exit", stopped);
      // As Ctrl-C in a terminal: the dev script stops both workers, then exits.
      signalGroup(child.pid, "SIGINT");
    });
  process.once("exit", kill);
  return { ready, stop, output: () => output.join("") };
}

/** Runs one command; asynchronously, so that a Ctrl-C is heard while the commands run. */
function run(step) {
  return new Promise((resolve) => {
    execFile("bash", ["-c", step.command], { encoding: "utf8", timeout: COMMAND_MS, maxBuffer: OUTPUT_MAX_BYTES }, (error, printed, stderr) => {
      const problem = !error
        ? step.expected !== undefined && !printsAsDocumented(step.expected, printed)
          ? "printed something else"
          : undefined
        : error.killed
          ? `took longer than ${COMMAND_MS / 1000} s`
          : typeof error.code === "number"
            ? `exited with ${error.code}: ${stderr.trim().split("\n").slice(-3).join(" ")}`
            : error.message;
      resolve({ printed, problem });
    });
  });
}

/** Prints how one command went; 1 when it failed. */
function report(step, printed, problem) {
  if (!problem) {
    console.log(`  ok    ${step.command}`);
    return 0;
  }
  console.log(`  FAIL  ${step.command}\n        ${problem}`);
  if (step.expected !== undefined) console.log(`        README:  ${step.expected}\n        printed: ${printed.trim()}`);
  return 1;
}

/** The dev script of the pass under way: its own process group does not hear a Ctrl-C meant for this script. */
let running;
let interrupted = false;
function onInterrupt() {
  interrupted = true;
  void running?.stop();
}

async function pass(number, readyLine, steps) {
  console.log(`smoke: start ${number} of ${STARTS}: npm run dev`);
  const dev = startDev();
  running = dev;
  let failures = 0;
  try {
    const ready = await dev.ready;
    failures += report({ command: "npm run dev", expected: readyLine }, ready, printsAsDocumented(readyLine, ready) ? undefined : "printed something else");
    for (const step of steps) {
      if (interrupted) break;
      const { printed, problem } = await run(step);
      failures += report(step, printed, problem);
    }
  } catch (error) {
    console.log(`smoke: ${error.message}\n${dev.output().split("\n").slice(-30).join("\n")}`);
    failures++;
  } finally {
    await dev.stop();
    running = undefined;
  }
  return failures;
}

async function main() {
  const readme = readFileSync("README.md", "utf8");
  const readyLine = documentedReadyLine(readme);
  const steps = smokeSteps(readme);
  requireTools();
  await requireFreePorts();
  process.once("SIGINT", onInterrupt);
  process.once("SIGTERM", onInterrupt);
  let failures = 0;
  try {
    for (let number = 1; number <= STARTS && !interrupted; number++) failures += await pass(number, readyLine, steps);
  } finally {
    await rm(STATE, { recursive: true, force: true });
  }
  if (interrupted) {
    console.log("smoke: interrupted");
    process.exit(130);
  }
  const checked = steps.filter((step) => step.expected !== undefined).length;
  console.log(
    `smoke: the ready line and ${steps.length} commands (${checked} with documented output) on ${STARTS} starts: ${failures === 0 ? "all as README says" : `${failures} failed`}`,
  );
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`smoke: ${error.message}`);
  process.exit(1);
});
