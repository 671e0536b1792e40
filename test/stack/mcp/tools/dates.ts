/** @module UTC day and clock-time helpers for the stand-in's date-keyed tools (journal and mood). */
import { z } from "zod";

/** A calendar day as the app stores it (YYYY-MM-DD, UTC). */
export const day = z.iso.date();

export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function utcTime(now: Date): string {
  return now.toISOString().slice(11, 16);
}

export function daysBefore(date: string, days: number): string {
  return utcDay(new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000));
}
