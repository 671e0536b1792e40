/** @module App data of the mana-mcp stand-in: one JSON document per record by space and kind, and an echo-excluded view with empty lists. */
/** A stored app record: every tool result carries its `id`, which personas use to act on it later. */
export interface StoredRecord {
  id: string;
}

/** App data per space (the X-Mana-Space of the session), one JSON document per record, insertion ordered. */
export class Records {
  constructor(private readonly sql: SqlStorage) {}

  insert<T extends StoredRecord>(space: string, kind: string, record: T): T {
    this.sql.exec("INSERT INTO records (space, kind, id, data) VALUES (?, ?, ?, ?)", space, kind, record.id, JSON.stringify(record));
    return record;
  }

  replace<T extends StoredRecord>(space: string, kind: string, record: T): T {
    this.sql.exec("UPDATE records SET data = ? WHERE space = ? AND kind = ? AND id = ?", JSON.stringify(record), space, kind, record.id);
    return record;
  }

  find<T extends StoredRecord>(space: string, kind: string, id: string): T | undefined {
    const rows = this.sql.exec<{ data: string }>("SELECT data FROM records WHERE space = ? AND kind = ? AND id = ?", space, kind, id);
    const row = rows.toArray()[0];
    return row ? (JSON.parse(row.data) as T) : undefined;
  }

  /** Newest first, as the app lists them. */
  list<T extends StoredRecord>(space: string, kind: string): T[] {
    const rows = this.sql.exec<{ data: string }>("SELECT data FROM records WHERE space = ? AND kind = ? ORDER BY rowid DESC", space, kind);
    return rows.toArray().map((row) => JSON.parse(row.data) as T);
  }

  /** The same data as read under mana-sync's echo exclusion (see EchoExcludedRecords). */
  withoutEchoes(): Records {
    return new EchoExcludedRecords(this.sql);
  }
}

/**
 * mana-sync's pull leaves out rows whose client id is the caller's, and mana-mcp pushes and pulls as one client:
 * lists never show what was written through MCP, which in the stand-in is every record. Lookups by id do not
 * pull, so tools acting on an id still find their record.
 */
class EchoExcludedRecords extends Records {
  override list<T extends StoredRecord>(): T[] {
    return [];
  }
}
