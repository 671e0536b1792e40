// The labelled simulated week (test/scenario/week.ts) as a benchmark: runs its test, then prints per injected
// defect what opened and after how many runs, and the figures BENCHMARKS.md records, the last line as JSON.
// Usage: npm run bench:findings
import { spawnSync } from "node:child_process";

const run = spawnSync("npx", ["vitest", "run", "test/week.e2e.test.ts", "--silent=false"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
const line = `${run.stdout}\n${run.stderr}`.split("\n").find((text) => text.includes("WEEK_REPORT "));
if (!line) {
  process.stderr.write(`${run.stdout}\n${run.stderr}\nno WEEK_REPORT line: the scenario did not finish\n`);
  process.exit(1);
}
const report = JSON.parse(line.slice(line.indexOf("WEEK_REPORT ") + "WEEK_REPORT ".length));

const rows = report.defects.map((defect) => [
  defect.name,
  defect.findings.join(", ") || "–",
  defect.named ? "yes" : "no",
  defect.runsToDetect ?? "–",
  `${defect.opened} / ${defect.resolved}${defect.reopened ? ` (+${defect.reopened} reopened)` : ""}`,
]);
const header = ["defect", "finding", "named", "runs to detect", "opened / resolved messages"];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => String(row[column]).length)));
const print = (cells) => console.log(cells.map((cell, column) => String(cell).padEnd(widths[column])).join("  "));
print(header);
for (const row of rows) print(row);

const caught = report.defects.filter((defect) => defect.findings.length === 1 && defect.named).length;
const detect = report.defects.map((defect) => defect.runsToDetect).filter((runs) => runs !== null).sort((a, b) => a - b);
const median = detect.length === 0 ? null : detect.length % 2 ? detect[(detect.length - 1) / 2] : (detect[detect.length / 2 - 1] + detect[detect.length / 2]) / 2;
const figures = {
  defectsInjected: report.defects.length,
  defectsCaught: caught,
  falseFindings: report.falseFindings.length,
  messagesPerDefect: report.defects.reduce((sum, defect) => sum + defect.opened + defect.reopened + defect.resolved, 0) / report.defects.length,
  medianRunsToDetect: median,
  maxRunsToDetect: detect.at(-1) ?? null,
  runs: report.runs,
  webhookMessages: report.messages,
};
console.log(`\nfalse findings: ${report.falseFindings.join(", ") || "none"}`);
console.log(JSON.stringify(figures));
process.exit(run.status ?? 1);
