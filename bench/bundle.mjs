// Size of what `wrangler deploy --dry-run` would upload for staging, and which packages it is made of.
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export async function measureBundle() {
  const outdir = await mkdtemp(join(tmpdir(), "persona-runner-bundle-"));
  const metafile = join(outdir, "meta.json");
  const build = spawnSync("wrangler", ["deploy", "--dry-run", "--env", "staging", "--outdir", outdir, "--metafile", metafile], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${build.stderr}`);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of await readdir(outdir)) {
    if (!/\.(m?js|wasm)$/.test(file)) continue;
    const content = await readFile(join(outdir, file));
    rawBytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  const byPackage = packagesOf(JSON.parse(await readFile(metafile, "utf8")));
  await rm(outdir, { recursive: true, force: true });
  return { rawBytes, gzipBytes, byPackage };
}

/** Output bytes per npm package (or "src" for our own code), largest first. */
function packagesOf(meta) {
  const totals = new Map();
  for (const output of Object.values(meta.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match ? match[1] : path.startsWith("src/") ? "src" : "other";
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, bytes }));
}
