/** @module Persona password derivation against the test vectors of docs/contracts.md §1.4. */
import { describe, expect, it } from "vitest";
import { derivePersonaPassword } from "./password";

describe("derivePersonaPassword (docs/contracts.md §1.4 test vectors)", () => {
  it.each([
    ["persona.anna@mana.test", "dev-persona-seed-secret-rotate-in-prod", "1FJ7w8KbjK5CWVa8NqfobexAFNuQKxiA"],
    ["persona.anna@mana.test", "s3cret", "b0DYIdAvLOd6dZ3JG63PlqR8Dju5KbQT"],
    ["persona.maya@mana.test", "dev-persona-seed-secret-rotate-in-prod", "cGqE8D7hwpIKvyjBql7vJAXAvbBlepEZ"],
    ["persona.maya@mana.test", "s3cret", "kwawdyKv53HpTwL6gmQ6DdCXBkW19JeW"],
  ])("%s with %s", async (email, secret, expected) => {
    expect(await derivePersonaPassword(email, secret)).toBe(expected);
  });
});
