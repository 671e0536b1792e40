/**
 * @module
 * What to do about an error inside a run: wait and retry, give up with the reason, or stop logging in a while.
 */
import { APIConnectionError, APIError, RateLimitError } from "@anthropic-ai/sdk";
import { ConfigError } from "../config";
import { LoginError } from "../mana/auth";
import { HttpError } from "../net/http";

const HOUR = 3_600_000;
/** Long enough that a wrong seed secret costs one failed login per persona, never five (docs/contracts.md §1.2). */
export const BAD_CREDENTIALS_BACKOFF_MS = 6 * HOUR;

/**
 * A step of the run could not be stored. Retrying would run the same step again and could not store it either,
 * so the run gives up once with this reason instead of re-reporting the same call as interrupted six times.
 */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

export type FailurePlan =
  | { kind: "retry"; reason: string; atLeastMs?: number; cooldownMs?: number }
  | { kind: "fail"; reason: string }
  | { kind: "login-backoff"; reason: string; forMs: number };

/** What to do about an error thrown inside a run: wait and retry, give up, or stop logging in for a while. */
export function planFor(error: unknown): FailurePlan {
  if (error instanceof CheckpointError) return { kind: "fail", reason: error.message };
  if (error instanceof LoginError) return loginPlan(error);
  if (error instanceof RateLimitError) {
    const waitMs = retryAfterMs(error.headers) ?? 30_000;
    return { kind: "retry", reason: `Claude 429 rate limited after SDK retries`, atLeastMs: waitMs, cooldownMs: waitMs };
  }
  if (error instanceof APIConnectionError) return { kind: "retry", reason: `Claude connection: ${error.message}` };
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    const transient = status === 408 || status === 409 || status >= 500;
    return transient ? { kind: "retry", reason: `Claude ${status}: ${error.message}` } : { kind: "fail", reason: `Claude ${status}: ${error.message}` };
  }
  if (error instanceof ConfigError) return { kind: "fail", reason: error.message };
  if (error instanceof HttpError && error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 429) {
    return { kind: "fail", reason: error.message };
  }
  return { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
}

function loginPlan(error: LoginError): FailurePlan {
  // By status, not code: any 401 at login counts toward the lockout, whatever its body says.
  if (error.code === "INVALID_CREDENTIALS" || error.status === 401) {
    return {
      kind: "login-backoff",
      forMs: BAD_CREDENTIALS_BACKOFF_MS,
      reason:
        `login rejected with 401 ${error.code}: PERSONA_SEED_SECRET most likely differs from the secret mana-auth ` +
        "seeded this persona with; not retrying for 6 h so the account is not locked",
    };
  }
  if (error.code === "ACCOUNT_LOCKED" || error.status === 429) {
    return { kind: "login-backoff", forMs: (error.retryAfterSec ?? 1800) * 1000, reason: `login ${error.status} ${error.code}: account locked by mana-auth` };
  }
  if (error.status >= 500) return { kind: "retry", reason: error.message };
  return { kind: "fail", reason: error.message };
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const seconds = Number(headers?.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
