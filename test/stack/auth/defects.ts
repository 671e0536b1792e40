/** @module The mana-auth stand-in's defect mode loginDown: every login answers a 5xx before validation while the rest of mana-auth works. */
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { betterAuthError } from "./errors";
import { loginFault, statusText } from "./faults";

const DOWN_STATUSES = [500, 502, 503, 504] as const;
type DownStatus = (typeof DOWN_STATUSES)[number];

/** Body of PUT /__stack/auth/defects: a key left out stays as it is, null or false switches its mode off. */
export const authDefectsInput = z.strictObject({
  loginDown: z
    .union([
      z.literal(true),
      z.strictObject({ status: z.union(DOWN_STATUSES.map((status) => z.literal(status))) }),
      z.null(),
      z.literal(false),
    ])
    .optional(),
});

export interface AuthDefectState {
  loginDown: { status: DownStatus } | null;
}

/** Which login endpoint answers, so each fails in its own error envelope (docs/contracts.md §1). */
export type LoginEndpoint = "login" | "better-auth";

/**
 * An outage of mana-auth's login (its database, its signing key) that leaves the service-key routes working.
 * Kept in SQLite like the armed faults, so it survives an eviction of the instance and a reset wipes it.
 */
export class AuthDefects {
  constructor(private readonly sql: SqlStorage) {}

  set(input: z.output<typeof authDefectsInput>): void {
    const { loginDown } = input;
    if (loginDown === undefined) return;
    if (!loginDown) this.sql.exec("DELETE FROM stand_in WHERE key = 'loginDown'");
    else this.sql.exec("INSERT OR REPLACE INTO stand_in (key, value) VALUES ('loginDown', ?)", String(loginDown === true ? 503 : loginDown.status));
  }

  state(): AuthDefectState {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM stand_in WHERE key = 'loginDown'").toArray()[0];
    return { loginDown: row ? { status: Number(row.value) as DownStatus } : null };
  }

  /** Answers a login with the outage's status before anything else looks at the request. */
  loginDown(endpoint: LoginEndpoint): MiddlewareHandler {
    return async (_c, next) => {
      const status = this.state().loginDown?.status;
      if (status === undefined) return next();
      if (endpoint === "login") return loginFault(status);
      return betterAuthError(status, statusText(status).toUpperCase().replaceAll(" ", "_"), statusText(status));
    };
  }
}
