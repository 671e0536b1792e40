/**
 * @module
 * The stand-in's tables. Timestamps are epoch milliseconds; the wire format (ISO) is produced on the way out.
 * Action and feedback ids are global primary keys, as in mana-auth, so the id scheme alone decides what a
 * conflicting insert drops (docs/contracts.md §1.1).
 */
const TABLES: Record<string, string> = {
  users: `id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, password TEXT NOT NULL,
    created_at INTEGER NOT NULL, deleted_at INTEGER`,
  personas: `user_id TEXT PRIMARY KEY, archetype TEXT NOT NULL, system_prompt TEXT NOT NULL,
    module_mix TEXT NOT NULL, tick_cadence TEXT NOT NULL, last_active_at INTEGER`,
  organizations: `id TEXT PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE, logo TEXT, metadata TEXT,
    created_at INTEGER NOT NULL`,
  members: `organization_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)`,
  sessions: `id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL`,
  login_failures: `email TEXT NOT NULL, at INTEGER NOT NULL`,
  persona_actions: `id TEXT PRIMARY KEY, user_id TEXT NOT NULL, tick_id TEXT NOT NULL, tool_name TEXT NOT NULL,
    input_hash TEXT, result TEXT NOT NULL, error_message TEXT, latency_ms INTEGER, created_at INTEGER NOT NULL`,
  persona_feedback: `id TEXT PRIMARY KEY, user_id TEXT NOT NULL, tick_id TEXT NOT NULL, module TEXT NOT NULL,
    rating INTEGER NOT NULL, notes TEXT, created_at INTEGER NOT NULL`,
  /** The stand-in's own settings (fixed clock, seeded flag), never part of mana-auth's wire. */
  stand_in: `key TEXT PRIMARY KEY, value TEXT NOT NULL`,
  faults: `route TEXT PRIMARY KEY, status INTEGER NOT NULL, remaining INTEGER NOT NULL`,
};

export function migrate(sql: SqlStorage): void {
  for (const [name, columns] of Object.entries(TABLES)) sql.exec(`CREATE TABLE IF NOT EXISTS ${name} (${columns})`);
}

export function wipe(sql: SqlStorage): void {
  for (const name of Object.keys(TABLES)) sql.exec(`DELETE FROM ${name}`);
}
