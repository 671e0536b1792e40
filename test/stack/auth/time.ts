/** @module Epoch milliseconds of the stand-in turned into the ISO 8601 timestamps mana-auth puts on the wire. */
/** The wire format of every mana-auth timestamp: ISO 8601 with milliseconds and Z. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
