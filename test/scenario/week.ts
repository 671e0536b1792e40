/**
 * @module
 * A labelled simulated week on the stand-ins: the ten catalog personas hourly, the model's invalid arguments and
 * single transient failures as background noise throughout, and ten injected defects one at a time with healthy
 * hours between. Runs on a faked clock and reports, per defect, what opened, how many runs it took and which
 * messages went out, and every finding that no defect explains. The test asserts it; the bench prints it.
 */
import { vi } from "vitest";
import type { MessageEvent } from "../../src/alerts/message";
import type { Finding } from "../../src/findings/lifecycle";
import { defects, diagTick, findingsNow, personaId, send, stackJson } from "../helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Every persona is hourly, so a tick every two hours runs them all. */
const TICK_EVERY = 2 * HOUR;
/** A Monday, midnight UTC. */
export const WEEK_START = Date.parse("2026-11-02T00:00:00.000Z");
export const WEEK_HOURS = 168;
/** The background noise: the model's invalid arguments, single transient failures of the app. */
export const NOISE = { invalidArgs: 0.05, transientFailures: 0.02 };

export interface Defect {
  name: string;
  /** Hours after the week's start; an outage of minutes is ticked minute by minute. */
  from: number;
  until: number;
  on(): Promise<unknown>;
  off(): Promise<unknown>;
  /** Whether a finding is the one this defect should open, and what it must name. */
  expected(finding: Finding): boolean;
  names: string;
}

const tool = (name: string) => (finding: Finding) => finding.subject === name || (finding.verdict.tools ?? []).includes(name);

/** The schedule: one defect at a time, healthy hours before and after each. */
export async function schedule(): Promise<Defect[]> {
  const anna = await personaId("Anna");
  return [
    { name: "a tool failing always", from: 10, until: 20, on: () => defects.mcp({ failingTool: { tool: "notes.create" } }), off: () => defects.mcp({ failingTool: null }), expected: (f) => f.kind === "tool-failing" && tool("notes.create")(f), names: "notes.create" },
    { name: "a tool failing 35 %", from: 30, until: 52, on: () => defects.mcp({ failingTool: { tool: "todo.list", rate: 0.35, spread: "random" } }), off: () => defects.mcp({ failingTool: null }), expected: (f) => f.kind === "tool-failing" && tool("todo.list")(f), names: "todo.list" },
    { name: "a module outage", from: 62, until: 70, on: () => defects.mcp({ moduleOutage: { module: "mood" } }), off: () => defects.mcp({ moduleOutage: null }), expected: (f) => f.kind === "tool-failing" && (f.verdict.tools ?? [f.subject]).every((name) => name.startsWith("mood.")), names: "mood" },
    { name: "mana-mcp down for 20 minutes", from: 78, until: 78 + 1 / 3, on: () => defects.mcp({ down: true }), off: () => defects.mcp({ down: null }), expected: (f) => f.id === "service-down:mana-mcp", names: "mana-mcp" },
    { name: "login down for 20 minutes", from: 88, until: 88 + 1 / 3, on: () => defects.auth({ loginDown: true }), off: () => defects.auth({ loginDown: null }), expected: (f) => f.id === "service-down:mana-auth", names: "mana-auth" },
    { name: "a tool 20× slower", from: 98, until: 108, on: () => defects.mcp({ slowTool: { tool: "habits.list", ms: 300 } }), off: () => defects.mcp({ slowTool: null }), expected: (f) => f.id === "tool-slow:habits.list", names: "habits.list" },
    { name: "a tool removed", from: 118, until: 126, on: () => defects.mcp({ removedTools: { tools: ["journal.add"] } }), off: () => defects.mcp({ removedTools: null }), expected: (f) => f.id === "tool-gone:journal.add", names: "journal.add" },
    { name: "a schema change", from: 134, until: 142, on: () => defects.mcp({ schemaChange: { tool: "notes.create" } }), off: () => defects.mcp({ schemaChange: null }), expected: (f) => f.id === "tool-changed:notes.create", names: "notes.create" },
    { name: "a field that reads back different", from: 148, until: 156, on: () => defects.mcp({ readBackDiffers: { tool: "habits.create", field: "title" } }), off: () => defects.mcp({ readBackDiffers: null }), expected: (f) => f.kind === "write-not-visible" && tool("habits.create")(f), names: "habits.create" },
    { name: "one persona whose every call fails", from: 158, until: 164, on: () => defects.mcp({ failingUser: { userId: anna } }), off: () => defects.mcp({ failingUser: null }), expected: (f) => f.id === `persona-tools-failing:${anna}`, names: "persona.anna@mana.test" },
  ];
}

/**
 * A defect of the real stack the stand-in keeps all week (docs/contracts.md §5): spaces.list fails on every call.
 * It must be one finding that opens once and stays open, never a flap.
 */
export const STANDING = { name: "spaces.list fails on every call (a real defect the stand-in keeps)", id: "tool-failing:spaces.list" };

export interface DefectReport {
  name: string;
  /** The distinct findings this defect opened (expected: one). */
  findings: string[];
  /** Whether that finding's title or tools name the defect's tool, module, service or persona. */
  named: boolean;
  /** Runs finished from the defect's start until its finding was seen open; null if it never opened. */
  runsToDetect: number | null;
  opened: number;
  reopened: number;
  resolved: number;
}

export interface WeekReport {
  defects: DefectReport[];
  /** Findings no defect explains: noise that opened something. */
  falseFindings: string[];
  /** The standing defect: its messages, and whether it was open at the week's end. */
  standing: { opened: number; reopened: number; resolved: number; openAtEnd: boolean };
  runs: number;
  messages: number;
  /** When each finding was first seen open and seen gone, hours into the week: what to read when a figure is off. */
  timeline: string[];
}

interface WebhookMessage {
  body: { text?: string };
}


/** Runs the week: ticks every two hours, every minute around the short outages; answers the report. */
export async function runWeek(): Promise<WeekReport> {
  const defectList = await schedule();
  await stackJson("/__stack/auth/cadence", send("PUT", { cadence: "hourly" }));
  await defects.claude({ invalidArgs: { rate: NOISE.invalidArgs } });
  await defects.mcp({ transientFailures: { rate: NOISE.transientFailures } });
  const seen = new Map<string, Finding>();
  const runsBefore: number[] = [];
  const detectedAfter = new Map<string, number>();
  let runs = 0;
  let wasOpen = new Set<string>();
  const timeline: string[] = [];
  for (const at of tickTimes(defectList)) {
    vi.setSystemTime(WEEK_START + at * HOUR);
    const starting = defectList.find((defect) => defect.from === at);
    const ending = defectList.find((defect) => defect.until === at);
    if (ending) await ending.off();
    if (starting) {
      await starting.on();
      runsBefore[defectList.indexOf(starting)] = runs;
    }
    const tick = await diagTick();
    runs += tick.result.ranSuccessfully + tick.result.failed.length;
    const { open } = await findingsNow();
    const ids = new Set(open.map((finding) => finding.id));
    for (const id of ids) if (!wasOpen.has(id)) timeline.push(`h${at.toFixed(2)} ${id} open`);
    for (const id of wasOpen) if (!ids.has(id)) timeline.push(`h${at.toFixed(2)} ${id} gone`);
    wasOpen = ids;
    for (const finding of open) {
      if (!seen.has(finding.id)) seen.set(finding.id, finding);
      const owner = defectList.find((defect) => defect.expected(finding));
      if (owner && !detectedAfter.has(owner.name)) detectedAfter.set(owner.name, runs - (runsBefore[defectList.indexOf(owner)] ?? runs));
    }
  }
  const all = await messagesWhenSettled();
  const told = all.flatMap(eventsOf);
  const report = defectList.map((defect): DefectReport => {
    const mine = new Set([...seen.values()].filter((finding) => defect.expected(finding)).map((finding) => finding.id));
    const about = (event: MessageEvent) => told.filter((each) => mine.has(each.id) && each.event === event).length;
    const findings = [...seen.values()].filter((finding) => mine.has(finding.id));
    return {
      name: defect.name,
      findings: [...mine],
      named: findings.some((finding) => `${finding.verdict.title} ${(finding.verdict.tools ?? []).join(" ")} ${(finding.verdict.personas ?? []).join(" ")}`.includes(defect.names)),
      runsToDetect: detectedAfter.get(defect.name) ?? null,
      opened: about("opened") + about("opened and resolved"),
      reopened: about("reopened"),
      resolved: about("resolved") + about("opened and resolved"),
    };
  });
  const falseFindings = [...seen.values()].filter((finding) => finding.id !== STANDING.id && !defectList.some((defect) => defect.expected(finding))).map((finding) => finding.id);
  const standingTold = (event: MessageEvent) => told.filter((each) => each.id === STANDING.id && each.event === event).length;
  const standing = { opened: standingTold("opened"), reopened: standingTold("reopened"), resolved: standingTold("resolved"), openAtEnd: wasOpen.has(STANDING.id) };
  return { defects: report, falseFindings, standing, runs, messages: all.length, timeline };
}

/** Every two hours through the week and a day after it; minute by minute from a short outage to an hour after it. */
function tickTimes(defectList: readonly Defect[]): number[] {
  const times = new Set<number>();
  for (let hour = 0; hour <= WEEK_HOURS + 4; hour += TICK_EVERY / HOUR) times.add(hour);
  for (const defect of defectList) {
    times.add(defect.from);
    times.add(defect.until);
    if (defect.until - defect.from < 1) for (let minute = 0; minute <= 60 + (defect.until - defect.from) * 60; minute++) times.add(defect.from + minute / 60);
    // Once undone, a tick after the recovery period lets the finding resolve before the next defect starts.
    times.add(defect.until + 0.6);
  }
  return [...times].sort((a, b) => a - b);
}

const HEADLINES: [RegExp, MessageEvent][] = [
  [/^:red_circle: \*Finding opened:\*/, "opened"],
  [/^:repeat: \*Finding reopened/, "reopened"],
  [/^:white_check_mark: \*Finding resolved:\*/, "resolved"],
  [/^:large_yellow_circle: \*Finding opened and resolved again:\*/, "opened and resolved"],
];

/** What a message told about which findings: its headline and last line, or each line of a batch. */
function eventsOf(message: WebhookMessage): { event: MessageEvent; id: string }[] {
  const lines = (message.body.text ?? "").split("\n");
  const single = HEADLINES.find(([pattern]) => pattern.test(lines[0] ?? ""));
  const id = /^Finding `(.+)`$/.exec(lines.at(-1) ?? "")?.[1];
  if (single && id) return [{ event: single[1], id }];
  return lines.flatMap((line) => {
    const batched = /^• (opened|reopened|resolved|opened and resolved): .* \(`(.+)`\)$/.exec(line);
    return batched ? [{ event: batched[1] as MessageEvent, id: batched[2] ?? "" }] : [];
  });
}

/** The webhook's messages once no alert waits any more. */
async function messagesWhenSettled(): Promise<WebhookMessage[]> {
  for (let i = 0; i < 60 && (await findingsNow()).alerts.pending > 0; i++) {
    const { messages } = await stackJson<{ messages: WebhookMessage[] }>("/__stack/webhook/messages");
    await stackJson(`/__stack/webhook/received?atLeast=${messages.length + 1}&waitMs=2000`);
  }
  return (await stackJson<{ messages: WebhookMessage[] }>("/__stack/webhook/messages")).messages;
}
