/**
 * @module
 * What the team should hear about a finding when messages it has not heard pile up (a webhook outage, an attempt
 * under way): the one message that takes it from what it last heard to how the finding stands now. Opened and
 * resolved unheard is "opened and resolved"; resolved and reopened unheard is nothing at all.
 */
import type { MessageEvent } from "./message";

const EVENT_IN_ID = /#(opened-and-resolved|reopened|resolved|opened)(-\d+)?$/;

/** The event a finding message's id names (`…#1#opened`, `…#1#reopened-2`), if it names one. */
export function eventOf(id: string): MessageEvent | undefined {
  const match = EVENT_IN_ID.exec(id)?.[1];
  return match === undefined ? undefined : (match.replace(/-/g, " ") as MessageEvent);
}

/** The id a message for this event gets: one per event and flap of an occurrence, so a retry is never a second. */
export function messageId(prefix: string, event: MessageEvent, flaps: number | undefined): string {
  return `${prefix}${event.replace(/ /g, "-")}${flaps ? `-${flaps}` : ""}`;
}

/**
 * The unheard events, oldest first, reduced to one: what the team last heard follows from the first (an unheard
 * "opened" means it heard nothing, an unheard "resolved" that it heard "open", an unheard "reopened" that it heard
 * "resolved"), how the finding stands from the last.
 */
export function netEvent(unheard: readonly MessageEvent[]): MessageEvent | undefined {
  const first = unheard[0];
  const last = unheard.at(-1);
  if (!first || !last) return undefined;
  const heard = first === "opened" || first === "opened and resolved" ? "nothing" : first === "resolved" ? "open" : "resolved";
  const open = last === "opened" || last === "reopened";
  if (heard === "nothing") return open ? "opened" : "opened and resolved";
  if (heard === "open") return open ? undefined : "resolved";
  return open ? "reopened" : undefined;
}
