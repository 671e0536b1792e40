/**
 * @module
 * The tool surface mana-mcp offers, as fingerprints: each tool's input schema in canonical JSON (keys sorted),
 * hashed, so a change in any detail of a schema changes its fingerprint and the same schema always has one.
 */
import type { McpTool } from "./session";

/** Hex characters of SHA-256 kept: enough that two schemas of one tool never collide by chance. */
const FINGERPRINT_CHARS = 16;
/**
 * Fingerprints by canonical schema, shared by every persona object of the isolate: each run lists the same few
 * dozen schemas, so each is hashed once, not once per run. Bounded; emptied when full.
 */
const KNOWN = new Map<string, string>();
const KNOWN_MAX = 1_024;

export type SurfaceEntry = [tool: string, fingerprint: string];

/** Every listed tool with its schema's fingerprint, in name order, and each schema by fingerprint. */
export async function surfaceOf(tools: readonly McpTool[]): Promise<{ surface: SurfaceEntry[]; schemas: Record<string, unknown> }> {
  const schemas: Record<string, unknown> = {};
  const surface: SurfaceEntry[] = [];
  for (const tool of [...tools].sort((a, b) => a.name.localeCompare(b.name))) {
    const fingerprint = await fingerprintOf(canonicalJson(tool.inputSchema));
    schemas[fingerprint] = tool.inputSchema;
    surface.push([tool.name, fingerprint]);
  }
  return { surface, schemas };
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(value));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}

async function fingerprintOf(canonical: string): Promise<string> {
  const known = KNOWN.get(canonical);
  if (known) return known;
  const fingerprint = await sha256Hex(canonical);
  if (KNOWN.size >= KNOWN_MAX) KNOWN.clear();
  KNOWN.set(canonical, fingerprint);
  return fingerprint;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)]
    .slice(0, FINGERPRINT_CHARS / 2)
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");
}
