/** @module App data of the mana-mcp stand-in: one JSON document per record by space and kind, and the views reads pull it through. */
/** A stored app record: every tool result carries its `id`, which personas use to act on it later. */
export interface StoredRecord {
  id: string;
}

/** Who wrote a record: mana-mcp (the persona, through a tool) or the web app (data the persona already had). */
export type Origin = "mcp" | "web-app";

/**
 * How a read's pull from mana-sync sees the data (docs/contracts.md §5). Under echo exclusion the pull leaves out
 * what mana-mcp itself wrote: its rows, and its changes to the web app's rows. Update-blind reads rebuild rows from
 * insert changes only, as the registry's list tools do, so no later change shows.
 */
export interface PullView {
  echoExclusion: boolean;
  updateBlind: boolean;
}

/** One write a tool made, for the readBackDiffers defect (see read-back.ts). */
export interface RecordWrite {
  space: string;
  kind: string;
  id: string;
  before: Record<string, unknown> | undefined;
}

interface Options {
  view: PullView;
  observe?: (write: RecordWrite) => void;
}

type Row = { origin: string; data: string; inserted: string };

const CURRENT: PullView = { echoExclusion: false, updateBlind: false };

/**
 * App data per space (the X-Mana-Space of the session), insertion ordered. A record keeps its current state and
 * the state it was inserted with, so reads can be seen through a defect of the real stack.
 */
export class Records {
  readonly #sql: SqlStorage;
  readonly #options: Options;

  constructor(sql: SqlStorage, options: Options = { view: CURRENT }) {
    this.#sql = sql;
    this.#options = options;
  }

  /** The same data, read through `view`. */
  pulledAs(view: PullView): Records {
    return new Records(this.#sql, { ...this.#options, view });
  }

  /** The same data, each write reported to `observe`. */
  observed(observe: (write: RecordWrite) => void): Records {
    return new Records(this.#sql, { ...this.#options, observe });
  }

  insert<T extends StoredRecord>(space: string, kind: string, record: T, origin: Origin = "mcp"): T {
    const json = JSON.stringify(record);
    this.#sql.exec("INSERT INTO app_records (space, kind, id, origin, data, inserted) VALUES (?, ?, ?, ?, ?, ?)", space, kind, record.id, origin, json, json);
    this.#options.observe?.({ space, kind, id: record.id, before: undefined });
    return record;
  }

  /** Changes the given fields of a stored record, like a field-level sync update; undefined when there is none. */
  update<T extends StoredRecord>(space: string, kind: string, id: string, changes: Partial<T>): T | undefined {
    const row = this.#row(space, kind, id);
    if (!row) return undefined;
    const before = JSON.parse(row.data) as Record<string, unknown>;
    const after = { ...before, ...changes };
    this.#sql.exec("UPDATE app_records SET data = ? WHERE space = ? AND kind = ? AND id = ?", JSON.stringify(after), space, kind, id);
    this.#options.observe?.({ space, kind, id, before });
    return after as unknown as T;
  }

  /** One field of what `write` stored, as stored from now on (for an insert, also as inserted). */
  overwrite(write: RecordWrite, field: string, value: unknown): void {
    const { space, kind, id } = write;
    const row = this.#row(space, kind, id);
    if (!row) return;
    const set = (json: string) => JSON.stringify({ ...(JSON.parse(json) as object), [field]: value });
    const inserted = write.before === undefined ? set(row.inserted) : row.inserted;
    this.#sql.exec("UPDATE app_records SET data = ?, inserted = ? WHERE space = ? AND kind = ? AND id = ?", set(row.data), inserted, space, kind, id);
  }

  /** The current state of one record, looked up by id without a pull (what tools that only push act on). */
  find<T extends StoredRecord>(space: string, kind: string, id: string): T | undefined {
    const row = this.#row(space, kind, id);
    return row ? (JSON.parse(row.data) as T) : undefined;
  }

  /** What a pull shows, newest first as the app lists them. */
  list<T extends StoredRecord>(space: string, kind: string): T[] {
    const { echoExclusion, updateBlind } = this.#options.view;
    const rows = this.#sql
      .exec<Row>("SELECT origin, data, inserted FROM app_records WHERE space = ? AND kind = ? ORDER BY rowid DESC", space, kind)
      .toArray();
    return rows
      .filter((row) => !(echoExclusion && row.origin === "mcp"))
      .map((row) => JSON.parse(updateBlind || echoExclusion ? row.inserted : row.data) as T);
  }

  #row(space: string, kind: string, id: string): Row | undefined {
    return this.#sql.exec<Row>("SELECT origin, data, inserted FROM app_records WHERE space = ? AND kind = ? AND id = ?", space, kind, id).toArray()[0];
  }
}
