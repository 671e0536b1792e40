/** @module Seeding the mana-auth stand-in: catalog or synthetic personas with derived passwords, stable user ids and a personal space each. */
import { z } from "zod";
import { derivePersonaPassword } from "../../../src/mana/password";
import catalog from "../catalog.json";
import type { AuthDeps } from "./deps";
import { wipe } from "./schema";

const catalogPersona = z.object({
  name: z.string(),
  email: z.string(),
  archetype: z.string(),
  systemPrompt: z.string(),
  moduleMix: z.record(z.string(), z.number()),
  tickCadence: z.enum(["daily", "weekdays", "hourly"]),
});
type CatalogPersona = z.infer<typeof catalogPersona>;

interface SeedUser extends CatalogPersona {
  userId: string;
  password: string;
}

const PERSONAL_METADATA = JSON.stringify({ type: "personal", tier: "public" });

/** A stable user id per email, so ids survive resets and tests can compute them. */
export async function userIdFor(email: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

function personalSpaceId(userId: string): string {
  return `space-${userId.slice(0, 24)}`;
}

/**
 * Derives everything asynchronous first, so wiping and writing happen in one synchronous step that no other
 * request can observe half done.
 */
async function prepareSeed(env: StackEnv, personas = z.array(catalogPersona).parse(catalog.personas)): Promise<SeedUser[]> {
  return Promise.all(
    personas.map(async (persona) => ({
      ...persona,
      userId: await userIdFor(persona.email),
      password: await derivePersonaPassword(persona.email, env.PERSONA_SEED_SECRET),
    })),
  );
}

/** Replaces all state with the catalog: every persona a user with one personal space it owns. */
function writeSeed(sql: SqlStorage, users: SeedUser[], nowMs: number): void {
  wipe(sql);
  for (const user of users) {
    const spaceId = personalSpaceId(user.userId);
    sql.exec(
      "INSERT INTO users (id, email, name, password, created_at) VALUES (?, ?, ?, ?, ?)",
      user.userId,
      user.email,
      user.name,
      user.password,
      nowMs,
    );
    sql.exec(
      "INSERT INTO personas (user_id, archetype, system_prompt, module_mix, tick_cadence) VALUES (?, ?, ?, ?, ?)",
      user.userId,
      user.archetype,
      user.systemPrompt,
      JSON.stringify(user.moduleMix),
      user.tickCadence,
    );
    sql.exec(
      "INSERT INTO organizations (id, name, slug, metadata, created_at) VALUES (?, ?, ?, ?, ?)",
      spaceId,
      `${user.name} (personal)`,
      `personal-${user.userId}`,
      PERSONAL_METADATA,
      nowMs,
    );
    sql.exec("INSERT INTO members (organization_id, user_id, role) VALUES (?, ?, 'owner')", spaceId, user.userId);
  }
  sql.exec("INSERT INTO stand_in (key, value) VALUES ('seeded', '1')");
}

function isSeeded(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM stand_in WHERE key = 'seeded'").toArray().length > 0;
}

/** Back to the catalog: every row, the fixed clock, armed faults and lockouts are gone. */
export async function reseed(deps: AuthDeps): Promise<void> {
  const users = await prepareSeed(deps.env);
  deps.transaction(() => writeSeed(deps.sql, users, Date.now()));
}

/**
 * Replaces the catalog with `count` synthetic daily personas for benchmarks; `toolCalls` pins how many tool
 * calls the Claude stand-in makes for each (see claude/persona.ts). A new `prefix` gives new user ids, so a
 * benchmark phase never meets a persona object an earlier phase already ran.
 */
export async function seedSynthetic(deps: AuthDeps, count: number, options: { toolCalls?: number; prefix?: string } = {}): Promise<void> {
  const pin = options.toolCalls === undefined ? "" : ` [stand-in tool calls: ${options.toolCalls}]`;
  const prefix = options.prefix ?? "bench";
  const personas: CatalogPersona[] = Array.from({ length: count }, (_, i) => ({
    name: `Bench${i}`,
    email: `persona.${prefix}${i}@mana.test`,
    archetype: "benchmark",
    systemPrompt: `Du bist Bench${i}, eine Testperson. Du nutzt Mana für Aufgaben, Notizen und Stimmung.${pin}`,
    moduleMix: { todo: 0.4, notes: 0.3, mood: 0.3 },
    tickCadence: "daily",
  }));
  const users = await prepareSeed(deps.env, personas);
  deps.transaction(() => writeSeed(deps.sql, users, Date.now()));
}

/** First use of a fresh Durable Object; a stand-in whose personas were all deleted stays empty. */
export async function ensureSeeded(deps: AuthDeps): Promise<void> {
  if (!isSeeded(deps.sql)) await reseed(deps);
}
