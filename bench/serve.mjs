// Serves one bundled Worker on a port with Miniflare, the engine under `wrangler dev`, but without what
// `wrangler dev` adds for development: a proxy Worker in front of every request and an attached inspector.
// Production has neither; BENCHMARKS.md measures what they cost.
// Usage: node bench/serve.mjs <wrangler.toml> <bundle dir> <port> <persist dir> [vars as JSON] [wrangler env]
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

// The Miniflare that wrangler itself runs, so the bench uses the same workerd as `wrangler dev`.
const { Miniflare, convertV4MiniflareOptions } = createRequire(createRequire(import.meta.url).resolve("wrangler"))("miniflare");

const [configPath, bundleDir, port, persistTo, varsJson = "{}", environment] = process.argv.slice(2);
const { workerOptions } = unstable_getMiniflareWorkerOptions(resolve(configPath), environment || undefined);
const scriptPath = resolve(bundleDir, "index.js");

const miniflare = new Miniflare(
  convertV4MiniflareOptions({
  host: "127.0.0.1",
  port: Number(port),
  unsafeTriggerHandlers: true,
  logRequests: false,
  resourcePersistencePath: join(persistTo, "v3"),
  handleStructuredLogs: ({ message }) => process.stdout.write(`${message}\n`),
  workers: [
    {
      ...workerOptions,
      bindings: { ...workerOptions.bindings, ...JSON.parse(varsJson) },
      modulesRoot: bundleDir,
      modules: [{ type: "ESModule", path: scriptPath }],
    },
  ],
  }),
);
const url = await miniflare.ready;
console.log(`Ready on ${url}`);
process.once("SIGTERM", () => void miniflare.dispose().finally(() => process.exit(0)));
