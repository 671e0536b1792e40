/**
 * @module
 * A cheap look at whether a service the runner depends on answers at all, from a second vantage point than the
 * failing runs (as synthetic monitors re-check before they alert): a request that needs no credentials, creates
 * nothing and counts toward no lockout, on the very route the runs failed at. Any answer below 500 is "up".
 */
import { type FetchFn, request } from "../net/http";

export type Service = "mana-auth" | "mana-mcp";
export const SERVICES: readonly Service[] = ["mana-auth", "mana-mcp"];

const PROBE_TIMEOUT_MS = 5_000;

/**
 * mana-auth's login with an empty body answers 400 VALIDATION without touching any account; mana-mcp's /mcp
 * without a token answers 401 before any session exists (docs/contracts.md §1.2, §2).
 */
const PROBES: Record<Service, { path: string; init: RequestInit }> = {
  "mana-auth": { path: "/api/v1/auth/login", init: { method: "POST", headers: { "content-type": "application/json" }, body: "{}" } },
  "mana-mcp": {
    path: "/mcp",
    init: { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: "{}" },
  },
};

export async function probe(service: Service, fetchFn: FetchFn, baseUrl: string): Promise<{ ok: boolean; error?: string }> {
  const { path, init } = PROBES[service];
  try {
    const response = await request(fetchFn, new URL(path, baseUrl).toString(), init, {
      attempts: 1,
      baseDelayMs: 0,
      maxDelayMs: 0,
      timeoutMs: PROBE_TIMEOUT_MS,
      retryOn: () => false,
    });
    await response.body?.cancel();
    return response.status < 500 ? { ok: true } : { ok: false, error: `${service} answered HTTP ${response.status} to ${init.method} ${path}` };
  } catch (error) {
    return { ok: false, error: `${service} did not answer ${init.method} ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
