/** @module Persona rows of the stand-in: lookup, the live list in due order, last_active_at, the wire view, soft and hard deletion. */
import { isoOrNull } from "./time";

export type PersonaRecord = {
  user_id: string;
  email: string;
  name: string;
  archetype: string;
  system_prompt: string;
  module_mix: string;
  tick_cadence: string;
  last_active_at: number | null;
};

const SELECT_PERSONA = `SELECT p.user_id, u.email, u.name, p.archetype, p.system_prompt, p.module_mix, p.tick_cadence,
  p.last_active_at FROM personas p JOIN users u ON u.id = p.user_id`;

/** Soft-deleted personas still exist: only the due list and the admin list leave them out. */
export function findPersona(sql: SqlStorage, userId: string): PersonaRecord | undefined {
  return sql.exec<PersonaRecord>(`${SELECT_PERSONA} WHERE p.user_id = ?`, userId).toArray()[0];
}

/** Not soft-deleted, never-active first, then least recently active; catalog order breaks ties. */
export function livePersonas(sql: SqlStorage): PersonaRecord[] {
  return sql
    .exec<PersonaRecord>(
      `${SELECT_PERSONA} WHERE u.deleted_at IS NULL
       ORDER BY p.last_active_at IS NOT NULL, p.last_active_at, p.rowid`,
    )
    .toArray();
}

export function touchPersona(sql: SqlStorage, userId: string, nowMs: number): void {
  sql.exec("UPDATE personas SET last_active_at = ? WHERE user_id = ?", nowMs, userId);
}

export function personaView(record: PersonaRecord) {
  return {
    userId: record.user_id,
    email: record.email,
    name: record.name,
    archetype: record.archetype,
    systemPrompt: record.system_prompt,
    moduleMix: JSON.parse(record.module_mix) as Record<string, number>,
    tickCadence: record.tick_cadence,
    lastActiveAt: isoOrNull(record.last_active_at),
  };
}

/** Soft delete: every row stays, only the due and admin lists stop offering the persona. */
export function softDeletePersona(sql: SqlStorage, userId: string, nowMs: number): void {
  sql.exec("UPDATE users SET deleted_at = ? WHERE id = ?", nowMs, userId);
}

/** Removes the persona and everything hanging off it, so every later call about it answers 404. */
export function erasePersona(sql: SqlStorage, userId: string): void {
  sql.exec("DELETE FROM personas WHERE user_id = ?", userId);
  for (const table of ["persona_actions", "persona_feedback", "members", "sessions"]) {
    sql.exec(`DELETE FROM ${table} WHERE user_id = ?`, userId);
  }
  sql.exec("DELETE FROM login_failures WHERE email IN (SELECT email FROM users WHERE id = ?)", userId);
  sql.exec("DELETE FROM users WHERE id = ?", userId);
  sql.exec("DELETE FROM organizations WHERE id NOT IN (SELECT organization_id FROM members)");
}
