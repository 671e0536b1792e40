/**
 * @module
 * The status page: what is broken first (findings), then what the runner is doing, what it cost today, each
 * persona a page at a time, and the ratings over time.
 */
import type { CoordinatorStatus, LiveState } from "../coordinator/coordinator";
import type { DirectoryPage, DirectorySort } from "../directory/directory";
import type { PersonaSummary } from "../directory/summary";
import type { FindingsOverview } from "../findings/findings";
import { RatingChart } from "./chart";
import { CoverageSection } from "./coverage-section";
import { FindingsSection } from "./findings-section";
import { At, Layout } from "./layout";

export interface StatusPageProps {
  environment: string;
  budgetUsd: number;
  hub: CoordinatorStatus;
  listing: DirectoryPage;
  live: Map<string, LiveState>;
  sort: DirectorySort;
  findings: FindingsOverview;
}

export function StatusPage(props: StatusPageProps) {
  const { hub, budgetUsd } = props;
  const share = Math.min(1, hub.costTodayUsd / budgetUsd);
  return (
    <Layout title="mana persona runner">
      <h1>mana persona runner <span class="muted">({props.environment})</span></h1>
      <FindingsSection overview={props.findings} />
      <CoverageSection map={props.findings.coverage} />
      <h2>Runner</h2>
      <p>
        {hub.paused ? <strong class="bad">Paused: no new runs start.</strong> : <span class="ok">Running.</span>} {hub.slotsInUse} running, {hub.queued} queued.
        Last tick:{" "}
        {hub.lastTick ? (
          <>
            <At iso={hub.lastTick.at} /> UTC, {hub.lastTick.due} due{hub.lastTick.error ? `, error: ${hub.lastTick.error}` : ""}
          </>
        ) : (
          "none yet"
        )}
        .
      </p>
      <h2>Today ({hub.day} UTC)</h2>
      <p>
        ${hub.costTodayUsd.toFixed(4)} of ${budgetUsd.toFixed(2)} ({(share * 100).toFixed(1)}%), {hub.tokensToday.toLocaleString("en")} tokens
        {hub.budgetSpent ? <strong class="bad"> · {hub.budgetSpent}</strong> : null}
      </p>
      <div class="bar">
        <div style={`width:${(share * 100).toFixed(1)}%`} />
      </div>
      <Personas listing={props.listing} live={props.live} sort={props.sort} />
      <h2>Ratings by module (average per day)</h2>
      <RatingChart points={props.findings.ratings} />
    </Layout>
  );
}

function Personas({ listing, live, sort }: { listing: DirectoryPage; live: Map<string, LiveState>; sort: DirectorySort }) {
  const page = Math.floor(listing.offset / listing.limit) + 1;
  const pages = Math.max(1, Math.ceil(listing.total / listing.limit));
  const link = (to: number, sortBy: DirectorySort = sort) => `/?sort=${sortBy}&page=${to}`;
  return (
    <>
      <h2>Personas</h2>
      <p class="muted">
        {listing.total === 0 ? "None yet: personas appear after their first due tick." : `${listing.offset + 1}–${listing.offset + listing.personas.length} of ${listing.total}`}
        {" · sort by "}
        {(["lastRun", "outcome", "email"] as const).map((by) => (sort === by ? <strong>{by} </strong> : <a href={link(1, by)}>{by} </a>))}
        {page > 1 ? <a href={link(page - 1)}>← previous</a> : null} {page < pages ? <a href={link(page + 1)}>next →</a> : null}
      </p>
      <table>
        <thead>
          <tr><th>persona</th><th>last run (UTC)</th><th>outcome</th><th>tool calls</th><th>cost today</th><th>next eligible (UTC)</th></tr>
        </thead>
        <tbody>
          {listing.personas.map((persona) => (
            <PersonaRow persona={persona} live={live.get(persona.userId)} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function PersonaRow({ persona, live }: { persona: PersonaSummary; live: LiveState | undefined }) {
  const run = persona.activeRun ?? persona.lastRun;
  return (
    <tr>
      <td>{persona.email}<div class="muted">{persona.archetype} · {persona.tickCadence}</div></td>
      <td>{run ? <a href={`/runs/${persona.userId}/${encodeURIComponent(run.runId)}`}><At iso={run.finishedAt ?? run.createdAt} /></a> : "–"}</td>
      <td class={run?.phase === "failed" ? "bad" : run?.phase === "succeeded" ? "ok" : ""}>
        {live ? `${live.state}${live.position ? ` #${live.position}` : ""}` : (run?.phase ?? "never ran")}
        {live?.detail ?? run?.error ? <div class="muted">{live?.detail ?? run?.error}</div> : null}
        {persona.loginBackoffReason ? <div class="bad">{persona.loginBackoffReason}</div> : null}
        {persona.lastDispatch && !persona.activeRun ? <div class="muted">{persona.lastDispatch.status}: {persona.lastDispatch.reason}</div> : null}
      </td>
      <td>{run?.toolCalls ?? 0}</td>
      <td>${persona.costTodayUsd.toFixed(4)}</td>
      <td>{persona.nextEligibleAt ? <At iso={persona.nextEligibleAt} /> : "now"}</td>
    </tr>
  );
}

const iso = (ms: number) => new Date(ms).toISOString();
