/**
 * @module
 * One POST of one alert message to the webhook: a bounded wait, and any 2xx as delivered.
 */
import { type FetchFn, request } from "../net/http";

export async function postAlert(fetchFn: FetchFn, url: string, body: unknown, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const response = await request(
      fetchFn,
      url,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
      // The alert outbox owns the retries; one attempt here, so a dead webhook costs one timeout per try.
      { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, timeoutMs, retryOn: () => false },
    );
    await response.body?.cancel();
    return response.ok ? { ok: true } : { ok: false, error: `webhook answered HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
