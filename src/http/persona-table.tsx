/**
 * @module
 * The status page's persona list, a page at a time: each persona's last run and how it came out, and when it is
 * next eligible to run, in a column of its own.
 */
import type { LiveState } from "../coordinator/coordinator";
import type { DirectoryPage, DirectorySort } from "../directory/directory";
import type { PersonaSummary } from "../directory/summary";
import { At } from "./layout";

const SORTS = ["lastRun", "outcome", "email"] as const satisfies readonly DirectorySort[];

/** Where a listing stands among its pages; `pages` is at least 1, so an empty list is page 1 of 1. */
export function pagesOf(listing: Pick<DirectoryPage, "offset" | "limit" | "total">): { page: number; pages: number; pastTheEnd: boolean } {
  const page = Math.floor(listing.offset / listing.limit) + 1;
  const pages = Math.max(1, Math.ceil(listing.total / listing.limit));
  return { page, pages, pastTheEnd: page > pages };
}

export const pageLink = (page: number, sort: DirectorySort) => `/?sort=${sort}&page=${page}`;

/** What the outcome column says: the run in progress or the last run's outcome, and only what is out of the ordinary. */
export function outcomeOf(persona: PersonaSummary, live: LiveState | undefined): { text: string; tone: "ok" | "bad" | ""; notes: { text: string; bad?: boolean }[] } {
  const run = persona.activeRun ?? persona.lastRun;
  const text = live ? `${live.state}${live.position ? ` #${live.position}` : ""}` : (run?.phase ?? "never ran");
  const tone = live ? "" : run?.phase === "failed" ? "bad" : run?.phase === "succeeded" ? "ok" : "";
  const notes: { text: string; bad?: boolean }[] = [];
  const detail = live?.detail ?? run?.error;
  if (detail) notes.push({ text: detail });
  if (persona.loginBackoffReason) notes.push({ text: persona.loginBackoffReason, bad: true });
  // A cool-down is the normal state between runs; the next-eligible column says when it ends.
  const dispatch = persona.lastDispatch;
  if (dispatch && !persona.activeRun && dispatch.status !== "cooldown") notes.push({ text: `${dispatch.status}: ${dispatch.reason ?? ""}` });
  return { text, tone, notes };
}

export function PersonaTable({ listing, live, sort, now }: { listing: DirectoryPage; live: Map<string, LiveState>; sort: DirectorySort; now: number }) {
  const { page, pages } = pagesOf(listing);
  return (
    <>
      <h2>Personas</h2>
      <p class="muted">
        {listing.total === 0 ? "None yet: personas appear after their first due tick." : `${listing.offset + 1}–${listing.offset + listing.personas.length} of ${listing.total}`}
        {" · sort by "}
        {SORTS.map((by) => (sort === by ? <strong>{by} </strong> : <a href={pageLink(1, by)}>{by} </a>))}
        {page > 1 ? <a href={pageLink(page - 1, sort)}>← previous</a> : null} {page < pages ? <a href={pageLink(page + 1, sort)}>next →</a> : null}
      </p>
      <table>
        <thead>
          <tr><th>persona</th><th>last run (UTC)</th><th>outcome</th><th>tool calls</th><th>cost today</th><th>next eligible (UTC)</th></tr>
        </thead>
        <tbody>
          {listing.personas.map((persona) => (
            <PersonaRow persona={persona} live={live.get(persona.userId)} now={now} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function PersonaRow({ persona, live, now }: { persona: PersonaSummary; live: LiveState | undefined; now: number }) {
  const run = persona.activeRun ?? persona.lastRun;
  const outcome = outcomeOf(persona, live);
  const eligible = persona.nextEligibleAt && Date.parse(persona.nextEligibleAt) > now ? persona.nextEligibleAt : undefined;
  return (
    <tr>
      <td>{persona.email}<div class="muted">{persona.archetype} · {persona.tickCadence}</div></td>
      <td>{run ? <a href={`/runs/${persona.userId}/${encodeURIComponent(run.runId)}`}><At iso={run.finishedAt ?? run.createdAt} /></a> : "–"}</td>
      <td class={outcome.tone}>
        {outcome.text}
        {outcome.notes.map((note) => (
          <div class={note.bad ? "bad" : "muted"}>{note.text}</div>
        ))}
      </td>
      <td>{run?.toolCalls ?? 0}</td>
      <td>${persona.costTodayUsd.toFixed(4)}</td>
      <td>{eligible ? <At iso={eligible} /> : "now"}</td>
    </tr>
  );
}
