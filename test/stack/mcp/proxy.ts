/** @module What the reverse proxy in front of mana-mcp answers while mana-mcp is down: a status with a plain-text body, no JSON. */

/** Envoy's wording for each status, as a proxy answers it without asking the service behind it. */
const PROXY_BODIES: Record<number, string> = {
  502: "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
  503: "no healthy upstream",
  504: "upstream request timeout",
};

export function proxyAnswer(status: number): Response {
  return new Response(PROXY_BODIES[status] ?? "upstream unavailable", { status, headers: { "content-type": "text/plain" } });
}
