// `npm run smoke`: runs the shell blocks of README's "Local smoke" section as written against `npm run dev`, and
// compares what each command prints with what README says it prints (the comment after it; `…` stands for text
// that differs from run to run). Starts `npm run dev` twice, so a later start must print what the first did; stops
// everything it started and removes the state it left. Part of CI (.ci/run).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SECTION = "## Local smoke";
const PORTS = [8787, 8788];
const STARTS = 2;
const READY_MS = 180_000;
const COMMAND_MS = 120_000;
const STOP_MS = 20_000;
const ELLIPSIS = "…";

process.chdir(ROOT);

/** Each command of the section's ```sh blocks, with what it must print when the README says so. */
function smokeSteps(readme) {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start + SECTION.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
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
      if (/^\[dev\] ready: /m.test(output.join(""))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the dev script exited with ${code} before it was ready`));
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => process.kill(-child.pid, "SIGKILL"), STOP_MS);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      // As Ctrl-C in a terminal: the dev script stops both workers, then exits.
      process.kill(-child.pid, "SIGINT");
    });
  process.once("exit", () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
  });
  // Its own process group does not hear a Ctrl-C meant for this script, so this script passes it on.
  const interrupted = () =>
    void stop()
      .then(() => rm(".wrangler/state", { recursive: true, force: true }))
      .finally(() => process.exit(130));
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const stopAndForget = () => {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    return stop();
  };
  return { ready, stop: stopAndForget, output: () => output.join("") };
}

function run(step) {
  const result = spawnSync("bash", ["-c", step.command], { encoding: "utf8", timeout: COMMAND_MS });
  const printed = result.stdout ?? "";
  const problem =
    result.error?.message ??
    (result.status !== 0 ? `exited with ${result.status}: ${result.stderr.trim().split("\n").slice(-3).join(" ")}` : undefined) ??
    (step.expected !== undefined && !printsAsDocumented(step.expected, printed) ? "printed something else" : undefined);
  return { printed, problem };
}

async function pass(number, steps) {
  console.log(`smoke: start ${number} of ${STARTS}: npm run dev`);
  const dev = startDev();
  let failures = 0;
  try {
    await dev.ready;
    for (const step of steps) {
      const { printed, problem } = run(step);
      if (!problem) {
        console.log(`  ok    ${step.command}`);
        continue;
      }
      failures++;
      console.log(`  FAIL  ${step.command}\n        ${problem}`);
      if (step.expected !== undefined) console.log(`        README:  ${step.expected}\n        printed: ${printed.trim()}`);
    }
  } catch (error) {
    console.log(`smoke: ${error.message}\n${dev.output().split("\n").slice(-30).join("\n")}`);
    failures++;
  } finally {
    await dev.stop();
  }
  return failures;
}

async function main() {
  const steps = smokeSteps(readFileSync("README.md", "utf8"));
  requireTools();
  await requireFreePorts();
  let failures = 0;
  try {
    for (let number = 1; number <= STARTS; number++) failures += await pass(number, steps);
  } finally {
    await rm(".wrangler/state", { recursive: true, force: true });
  }
  const checked = steps.filter((step) => step.expected !== undefined).length;
  console.log(`smoke: ${steps.length} commands (${checked} with documented output) on ${STARTS} starts: ${failures === 0 ? "all as README says" : `${failures} failed`}`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`smoke: ${error.message}`);
  process.exit(1);
});
