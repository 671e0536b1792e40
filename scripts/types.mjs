// Generates the Workers types with `wrangler types` (`npm run types`), or with --check fails when a generated
// file no longer matches its wrangler config (part of `npm test`).
import { spawnSync } from "node:child_process";

// Vars are typed as plain strings and numbers, not literals: secrets and `--var` override them per deploy.
const COMMON = ["--strict-vars", "false"];
const TARGETS = [
  // The runner, every environment of wrangler.toml, and the runtime types for its compatibility date and flags.
  { file: "worker-configuration.d.ts", args: [] },
  // The stand-in stack and the test worker share those runtime types; each names its own interface.
  { file: "test/stack/worker-configuration.d.ts", args: ["-c", "test/stack/wrangler.toml", "--env-interface", "StackEnv", "--include-runtime", "false", "--include-main-module", "false"] },
  { file: "test/worker-configuration.d.ts", args: ["-c", "test/wrangler.test.toml", "--env-interface", "TestEnv", "--include-runtime", "false", "--include-main-module", "false"] },
];

const check = process.argv.includes("--check");
for (const { file, args } of TARGETS) {
  const run = spawnSync("wrangler", ["types", ...args, ...COMMON, ...(check ? ["--check"] : []), file], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
    encoding: "utf8",
  });
  if (run.status !== 0) {
    process.stderr.write(run.error ? `${run.error.message} (run it through npm: npm run types)\n` : run.stdout + run.stderr);
    if (check) process.stderr.write("`npm run types` regenerates every generated types file.\n");
    process.exit(run.status ?? 1);
  }
  if (!check) process.stdout.write(`${file} written\n`);
}
if (check) process.stdout.write(`types up to date: ${TARGETS.map((target) => target.file).join(", ")}\n`);
