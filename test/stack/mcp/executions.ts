/** @module The stand-in's log of tool handler runs, kept in SQLite so tests can assert no tool ran twice, across restarts too. */
/** One run of a tool handler, for tests asserting that no tool ran twice. */
export interface Execution {
  tool: string;
  userId: string;
  space: string;
  args: unknown;
  at: string;
}

/** The log of handler runs, in SQLite so it survives a simulated restart like the app's data does. */
export class Executions {
  constructor(private readonly sql: SqlStorage) {}

  record(execution: Execution): void {
    const { tool, userId, space, args, at } = execution;
    this.sql.exec("INSERT INTO executions (tool, user_id, space, args, at) VALUES (?, ?, ?, ?, ?)", tool, userId, space, JSON.stringify(args), at);
  }

  list(): Execution[] {
    const rows = this.sql.exec<{ tool: string; user_id: string; space: string; args: string; at: string }>(
      "SELECT tool, user_id, space, args, at FROM executions ORDER BY seq",
    );
    return rows.toArray().map((row) => ({ tool: row.tool, userId: row.user_id, space: row.space, args: JSON.parse(row.args), at: row.at }));
  }
}
