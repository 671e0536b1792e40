/**
 * @module
 * The coverage map's storage in the findings object's SQLite: per tool and UTC day, persona calls, failures and
 * write checks; per subject (a tool, a module, a module wanted, a module mentioned), the personas seen within the
 * week and their count. Days older than the week are pruned; reading the map never touches a row per persona.
 */
import { moduleOf } from "../findings/causes";
import type { RunEvidence } from "../findings/evidence";
import { CHECK_KEYS, type CheckCounts, COVERAGE_DAYS, type CoverageWindow, NO_CHECKS, type ToolTally } from "./map";

const DAY = 24 * 3_600_000;
/** A persona's mix holds at most 50 modules (src/mana/schemas.ts); what it names is held to the same. */
const MODULES_PER_RUN = 50;

/** Who a distinct-persona count is about. */
type Kind = keyof CoverageWindow["personas"];

const COLUMNS: Readonly<Record<keyof CheckCounts, string>> = {
  verified: "verified",
  missing: "missing",
  mismatch: "mismatch",
  readFailed: "read_failed",
  unverifiable: "unverifiable",
};
const CHECK_COLUMNS = Object.entries(COLUMNS) as [keyof CheckCounts, string][];

/**
 * Distinct personas per subject are counted exactly, not by a sketch: `coverage_seen` holds one row per subject
 * and persona with the day it was last seen, and `coverage_personas` the number of those rows, raised when a row
 * is inserted and lowered by the rows a prune deletes. Reading is one row per subject whatever the fleet; writing
 * is a few rows per run; pruning touches only the rows that expire. The seen rows grow with the personas active
 * in the week times the tools and modules each touches, the same order as the evidence's own per-persona rings, and
 * exact counts keep a small fleet's figures true (a HyperLogLog of 256 registers would be off by about 6.5 %).
 */
export class CoverageStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS coverage_tool_days (tool TEXT NOT NULL, day INTEGER NOT NULL, calls INTEGER NOT NULL,
        failed INTEGER NOT NULL, ${CHECK_COLUMNS.map(([, column]) => `${column} INTEGER NOT NULL`).join(", ")}, PRIMARY KEY (tool, day));
      CREATE TABLE IF NOT EXISTS coverage_seen (kind TEXT NOT NULL, subject TEXT NOT NULL, user_id TEXT NOT NULL, day INTEGER NOT NULL,
        PRIMARY KEY (kind, subject, user_id));
      CREATE INDEX IF NOT EXISTS coverage_seen_by_day ON coverage_seen (day);
      CREATE TABLE IF NOT EXISTS coverage_personas (kind TEXT NOT NULL, subject TEXT NOT NULL, personas INTEGER NOT NULL,
        PRIMARY KEY (kind, subject));`);
  }

  /** One run, counted on the day it finished; a run from a day already out of the window changes nothing. */
  record(run: RunEvidence, now: number): void {
    const day = dayOf(run.finishedAt);
    if (day < firstDay(now)) return;
    const tallies = tallyOf(run);
    for (const [tool, tally] of tallies) this.#addTally(tool, day, tally);
    const called = [...tallies].filter(([, tally]) => tally.calls > 0).map(([tool]) => tool);
    const seen: [Kind, string[]][] = [
      ["tool", called],
      ["module", called.map(moduleOf)],
      ["wanted", (run.wanted ?? []).slice(0, MODULES_PER_RUN)],
      ["mentioned", (run.mentioned ?? []).slice(0, MODULES_PER_RUN)],
    ];
    for (const [kind, subjects] of seen) for (const subject of new Set(subjects)) this.#seen(kind, subject, run.userId, day);
  }

  /** The week's tallies per tool and distinct personas per subject (as of the last prune, at most a minute old). */
  window(now: number): CoverageWindow {
    const first = firstDay(now);
    const tools: Record<string, ToolTally> = {};
    const rows = this.sql.exec<Record<string, number> & { tool: string }>(
      `SELECT tool, SUM(calls) AS calls, SUM(failed) AS failed, ${CHECK_COLUMNS.map(([, column]) => `SUM(${column}) AS ${column}`).join(", ")}
       FROM coverage_tool_days WHERE day >= ? GROUP BY tool`,
      first,
    );
    for (const row of rows) {
      const checks = Object.fromEntries(CHECK_COLUMNS.map(([key, column]) => [key, row[column] ?? 0])) as unknown as CheckCounts;
      tools[row.tool] = { calls: row.calls ?? 0, failed: row.failed ?? 0, checks };
    }
    const personas: CoverageWindow["personas"] = { tool: {}, module: {}, wanted: {}, mentioned: {} };
    for (const row of this.sql.exec<{ kind: Kind; subject: string; personas: number }>("SELECT kind, subject, personas FROM coverage_personas")) {
      personas[row.kind][row.subject] = row.personas;
    }
    return { since: first * DAY, tools, personas };
  }

  /** Drops the days before the week and the personas not seen since, lowering their subjects' counts. */
  prune(now: number): void {
    const first = firstDay(now);
    this.sql.exec("DELETE FROM coverage_tool_days WHERE day < ?", first);
    const expired = this.sql
      // By day, not by the primary key SQLite would pick to group by: only the expiring rows are read.
      .exec<{ kind: string; subject: string; n: number }>("SELECT kind, subject, COUNT(*) AS n FROM coverage_seen INDEXED BY coverage_seen_by_day WHERE day < ? GROUP BY kind, subject", first)
      .toArray();
    if (expired.length === 0) return;
    for (const { kind, subject, n } of expired) this.sql.exec("UPDATE coverage_personas SET personas = personas - ? WHERE kind = ? AND subject = ?", n, kind, subject);
    this.sql.exec("DELETE FROM coverage_seen WHERE day < ?", first);
    this.sql.exec("DELETE FROM coverage_personas WHERE personas <= 0");
  }

  #addTally(tool: string, day: number, tally: ToolTally): void {
    const columns = CHECK_COLUMNS.map(([, column]) => column);
    this.sql.exec(
      `INSERT INTO coverage_tool_days (tool, day, calls, failed, ${columns.join(", ")}) VALUES (?, ?, ?, ?, ${columns.map(() => "?").join(", ")})
       ON CONFLICT (tool, day) DO UPDATE SET calls = calls + excluded.calls, failed = failed + excluded.failed,
       ${columns.map((column) => `${column} = ${column} + excluded.${column}`).join(", ")}`,
      tool,
      day,
      tally.calls,
      tally.failed,
      ...CHECK_COLUMNS.map(([key]) => tally.checks[key]),
    );
  }

  /** A persona seen for a subject: a first sighting within the week raises the subject's count. */
  #seen(kind: Kind, subject: string, userId: string, day: number): void {
    const inserted = this.sql.exec("INSERT OR IGNORE INTO coverage_seen VALUES (?, ?, ?, ?)", kind, subject, userId, day).rowsWritten > 0;
    if (inserted) {
      this.sql.exec("INSERT INTO coverage_personas VALUES (?, ?, 1) ON CONFLICT (kind, subject) DO UPDATE SET personas = personas + 1", kind, subject);
    } else {
      this.sql.exec("UPDATE coverage_seen SET day = ? WHERE kind = ? AND subject = ? AND user_id = ? AND day < ?", day, kind, subject, userId, day);
    }
  }
}

/** A run's persona calls (verification's reads are not the persona's) and write checks, per tool. */
function tallyOf(run: RunEvidence): Map<string, ToolTally> {
  const tallies = new Map<string, ToolTally>();
  const of = (tool: string): ToolTally => {
    const tally = tallies.get(tool) ?? { calls: 0, failed: 0, checks: { ...NO_CHECKS } };
    tallies.set(tool, tally);
    return tally;
  };
  for (const call of run.calls) {
    if (call.verification) continue;
    const tally = of(call.tool);
    tally.calls += 1;
    if (!call.ok) tally.failed += 1;
  }
  for (const check of run.checks) of(check.tool).checks[CHECK_KEYS[check.status]] += 1;
  return tallies;
}

const dayOf = (ms: number) => Math.floor(ms / DAY);
/** The first UTC day of the week that ends today. */
const firstDay = (now: number) => dayOf(now) - (COVERAGE_DAYS - 1);
