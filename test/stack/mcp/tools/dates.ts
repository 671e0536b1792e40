/** @module Day and clock-time values of the stand-in's date-keyed tools (journal, mood, augur), as the registry validates and derives them. */
import { z } from "zod";

/** A calendar day as the registry's tools accept it: the pattern only, like its regex. */
export const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function utcTime(now: Date): string {
  return now.toISOString().slice(11, 16);
}
