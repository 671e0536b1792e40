// Reads /proc for the workerd processes of one process group (one served Worker): resident memory and CPU time.
import { readdir, readFile } from "node:fs/promises";

const TICKS_PER_SECOND = 100;

async function workerdProcesses(processGroup) {
  const found = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const [, command, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      const fields = rest?.split(" ") ?? [];
      // After the command: state(0) ppid(1) pgrp(2) ... utime(11) stime(12)
      if (command !== "workerd" || Number(fields[2]) !== processGroup) continue;
      found.push({ pid: entry, cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND });
    } catch {
      // the process ended between listing and reading
    }
  }
  return found;
}

/** CPU milliseconds the group's workerd processes have used so far. */
export async function cpuMs(processGroup) {
  return (await workerdProcesses(processGroup)).reduce((sum, process) => sum + process.cpuMs, 0);
}

/** Resident memory of the group's workerd processes now, in MiB. */
export async function rssMb(processGroup) {
  let total = 0;
  for (const { pid } of await workerdProcesses(processGroup)) {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  }
  return total;
}

/** Starts sampling resident memory every `everyMs`; `stop()` resolves to the peak in MiB. */
export function sampleRss(processGroup, everyMs = 100) {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rssMb(processGroup));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}
