/** @module The mana-auth stand-in's Durable Object: migrates its SQLite, seeds the catalog on first use, serves the auth app. */
import { DurableObject } from "cloudflare:workers";
import type { Hono } from "hono";
import { createAuthApp } from "./app";
import { StandInClock } from "./clock";
import { AuthDefects } from "./defects";
import type { AuthDeps } from "./deps";
import { Faults } from "./faults";
import { migrate } from "./schema";
import { ensureSeeded } from "./seed";

/** The mana-auth stand-in: one SQLite-backed instance holds users, personas, spaces, sessions and ledgers. */
export class AuthStore extends DurableObject<StackEnv> {
  private readonly app: Hono;

  constructor(ctx: DurableObjectState, env: StackEnv) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    migrate(sql);
    const deps: AuthDeps = {
      sql,
      env,
      clock: new StandInClock(sql),
      faults: new Faults(sql),
      defects: new AuthDefects(sql),
      transaction: (fn) => ctx.storage.transactionSync(fn),
    };
    this.app = createAuthApp(deps);
    void ctx.blockConcurrencyWhile(() => ensureSeeded(deps));
  }

  override async fetch(request: Request): Promise<Response> {
    return this.app.fetch(request);
  }
}
