/**
 * @module
 * The status page: what is broken first (findings), then what the runner is doing, what it cost today, each
 * persona a page at a time, and the ratings over time.
 */
import type { CoordinatorStatus, LiveState } from "../coordinator/coordinator";
import type { DirectoryPage, DirectorySort } from "../directory/directory";
import type { FindingsOverview } from "../findings/findings";
import { RatingChart } from "./chart";
import { CoverageSection } from "./coverage-section";
import { FindingsSection } from "./findings-section";
import { At, Layout } from "./layout";
import { PersonaTable } from "./persona-table";

export interface StatusPageProps {
  environment: string;
  budgetUsd: number;
  hub: CoordinatorStatus;
  listing: DirectoryPage;
  live: Map<string, LiveState>;
  sort: DirectorySort;
  findings: FindingsOverview;
  now: number;
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
      <PersonaTable listing={props.listing} live={props.live} sort={props.sort} now={props.now} />
      <h2>Ratings by module (average per day)</h2>
      <RatingChart points={props.findings.ratings} />
    </Layout>
  );
}
