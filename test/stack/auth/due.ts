/** @module The stand-in's due rule: rolling cadence windows with the boundary due, weekdays personas skipped on UTC weekends. */
import type { PersonaRecord } from "./personas";
import { personaView } from "./personas";

const HOUR_MS = 60 * 60 * 1000;

/** Rolling windows where the boundary itself counts as due (docs/contracts.md §1.1). */
export function isDue(cadence: string, lastActiveAt: number | null, nowMs: number): boolean {
  if (cadence === "weekdays" && isUtcWeekend(nowMs)) return false;
  if (lastActiveAt === null) return true;
  const window = cadence === "hourly" ? HOUR_MS : 24 * HOUR_MS;
  return lastActiveAt <= nowMs - window;
}

function isUtcWeekend(ms: number): boolean {
  const day = new Date(ms).getUTCDay();
  return day === 0 || day === 6;
}

/** The due list drops the name: the runner gets exactly the fields mana-auth sends. */
export function duePersona(record: PersonaRecord) {
  const { name: _name, ...due } = personaView(record);
  return due;
}
