/** @module A persona's mana password, derived from its exact stored email and the seed secret (docs/contracts.md §1.4). */
const encoder = new TextEncoder();

/**
 * A persona's password (docs/contracts.md §1.4): HMAC-SHA256(secret, email) → base64 → alphanumerics only → 32 chars.
 * The email must be byte-for-byte the stored one; normalising it would derive another password.
 */
export async function derivePersonaPassword(email: string, seedSecret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(seedSecret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(email)));
  return btoa(String.fromCharCode(...mac)).replace(/[^A-Za-z0-9]/g, "").slice(0, 32);
}
