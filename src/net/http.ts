/** @module Outbound HTTP: fetch by service binding or globally, with per-attempt timeouts and jittered retries of transient failures. */
/** A fetch-shaped function: a service binding's fetch, or the global fetch. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Service bindings that, where a deploy binds them (and in the test worker), carry the requests to the service
 * its URL names. wrangler.toml binds none, so the generated Env does not list them.
 */
export type ServiceBinding = "MANA_AUTH" | "MANA_MCP" | "ANTHROPIC" | "ALERT_WEBHOOK";

export function fetcherFor(env: Env, name: ServiceBinding): FetchFn {
  const binding = (env as Partial<Record<ServiceBinding, Fetcher>>)[name];
  return binding ? (input, init) => binding.fetch(input, init) : (input, init) => fetch(input, init);
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  /** Statuses worth another attempt; everything else is returned to the caller as is. */
  retryOn: (status: number) => boolean;
}

export const TRANSIENT: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  timeoutMs: 10_000,
  retryOn: (status) => status === 429 || status >= 500,
};

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Full-jitter exponential backoff, or the server's Retry-After when it names a wait. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, retryAfter?: string | null): number {
  const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, policy.maxDelayMs * 4);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * The one HTTP helper: per-attempt timeout, retries with backoff for connection errors and the policy's
 * statuses. The last response is returned even when it failed, so callers can read error bodies.
 */
export async function request(fetchFn: FetchFn, url: string, init: RequestInit, policy: RetryPolicy = TRANSIENT): Promise<Response> {
  let lastError: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    const last = attempt === policy.attempts - 1;
    try {
      const response = await fetchFn(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
      if (last || !policy.retryOn(response.status)) return response;
      await response.body?.cancel();
      await sleep(backoffMs(attempt, policy, response.headers.get("retry-after")));
    } catch (error) {
      lastError = error;
      if (last) break;
      await sleep(backoffMs(attempt, policy));
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new HttpError(`${init.method ?? "GET"} ${new URL(url).pathname} failed after ${policy.attempts} attempts: ${reason}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
