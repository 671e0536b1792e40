/**
 * @module
 * The stand-in's SQLite tables. App data is one document table keyed by space and kind: the stand-in only has
 * to store what tools write and read it back, not mirror mana's sync schema.
 */
const TABLES: Record<string, string> = {
  app_records: `space TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, origin TEXT NOT NULL, data TEXT NOT NULL,
    inserted TEXT NOT NULL, PRIMARY KEY (space, kind, id)`,
  executions: `seq INTEGER PRIMARY KEY AUTOINCREMENT, tool TEXT NOT NULL, user_id TEXT NOT NULL,
    space TEXT NOT NULL, args TEXT NOT NULL, at TEXT NOT NULL`,
};

/** Tables of earlier versions of the stand-in, dropped so a kept dev state starts over instead of failing. */
const RETIRED = ["records"];

export function migrate(sql: SqlStorage): void {
  for (const name of RETIRED) sql.exec(`DROP TABLE IF EXISTS ${name}`);
  for (const [name, columns] of Object.entries(TABLES)) sql.exec(`CREATE TABLE IF NOT EXISTS ${name} (${columns})`);
}

export function wipe(sql: SqlStorage): void {
  for (const name of Object.keys(TABLES)) sql.exec(`DELETE FROM ${name}`);
}
