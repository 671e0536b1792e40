/** @module Postgres integer checks, thrown inside a batch's transaction so a bad number gives mana-auth's 500 and writes nothing. */
const RANGES = { smallint: [-32768, 32767], integer: [-2147483648, 2147483647] } as const;

/**
 * mana-auth validates these numbers as plain numbers and lets Postgres reject them at insert time, which
 * surfaces as a 500 (docs/contracts.md §1.1 pitfalls). Throwing here inside the batch's transaction reproduces that:
 * a 500 and nothing written.
 */
export function pgInteger(value: number, type: keyof typeof RANGES): number {
  if (!Number.isInteger(value)) throw new Error(`invalid input syntax for type ${type}: "${value}"`);
  const [min, max] = RANGES[type];
  if (value < min || value > max) throw new Error(`value "${value}" is out of range for type ${type}`);
  return value;
}
