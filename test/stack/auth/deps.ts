/** @module What the mana-auth stand-in's routes share: SQLite, env, the fixable clock, armed faults, defects and a synchronous transaction. */
import type { StandInClock } from "./clock";
import type { AuthDefects } from "./defects";
import type { Faults } from "./faults";

/** What every route of the stand-in needs; built once per Durable Object instance. */
export interface AuthDeps {
  sql: SqlStorage;
  env: StackEnv;
  clock: StandInClock;
  faults: Faults;
  defects: AuthDefects;
  /** Runs fn atomically: a throw rolls back every write it made. */
  transaction<T>(fn: () => T): T;
}
