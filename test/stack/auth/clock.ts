/**
 * @module
 * mana-auth's clock as the due list and last_active_at see it. Tests fix it to hit cadence boundaries and UTC
 * weekends; JWTs, sessions and the lockout keep real time so tokens stay verifiable by the other stand-ins.
 */
export class StandInClock {
  constructor(private readonly sql: SqlStorage) {}

  now(): number {
    const fixed = this.sql.exec<{ value: string }>("SELECT value FROM stand_in WHERE key = 'clock'").toArray()[0];
    return fixed ? Number(fixed.value) : Date.now();
  }

  /** null returns to real time. */
  fix(ms: number | null): void {
    if (ms === null) this.sql.exec("DELETE FROM stand_in WHERE key = 'clock'");
    else this.sql.exec("INSERT OR REPLACE INTO stand_in (key, value) VALUES ('clock', ?)", String(ms));
  }
}
