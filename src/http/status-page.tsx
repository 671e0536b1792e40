import type { CoordinatorStatus } from "../coordinator/coordinator";
import type { PersonaStatus } from "../persona/runner";
import { type RatingPoint, RatingChart } from "./chart";
import { At, Layout } from "./layout";

export interface StatusPageProps {
  environment: string;
  paused: boolean;
  budget: number;
  hub: CoordinatorStatus;
  personas: (PersonaStatus & { userId: string; email: string })[];
  ratings: RatingPoint[];
}

/** What an operator asks every morning: what each persona did, what failed and why, and what it cost. */
export function StatusPage(props: StatusPageProps) {
  const { hub, budget } = props;
  const share = Math.min(1, hub.tokensToday / budget);
  return (
    <Layout title="mana persona runner">
      <h1>mana persona runner <span class="muted">({props.environment})</span></h1>
      <p>
        {props.paused ? <strong class="bad">Paused: no new runs start.</strong> : <span class="ok">Running.</span>}{" "}
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
        {hub.tokensToday.toLocaleString("en")} of {budget.toLocaleString("en")} tokens ({(share * 100).toFixed(1)}%), $
        {hub.costTodayUsd.toFixed(4)}
      </p>
      <div class="bar">
        <div style={`width:${(share * 100).toFixed(1)}%`} />
      </div>
      <h2>Personas</h2>
      <table>
        <thead>
          <tr><th>persona</th><th>last run (UTC)</th><th>outcome</th><th>tool calls</th><th>tokens today</th><th>cost today</th><th>next eligible (UTC)</th></tr>
        </thead>
        <tbody>
          {props.personas.map((p) => {
            const run = p.activeRun ?? p.lastRun;
            return (
              <tr>
                <td>{p.email}<div class="muted">{p.persona?.archetype} · {p.persona?.tickCadence}</div></td>
                <td>{run ? <a href={`/runs/${p.userId}/${encodeURIComponent(run.runId)}`}><At iso={run.finishedAt ?? run.createdAt} /></a> : "–"}</td>
                <td class={run?.phase === "failed" ? "bad" : run?.phase === "succeeded" ? "ok" : ""}>
                  {run?.phase ?? "never ran"}
                  {run?.error ? <div class="muted">{run.error}</div> : null}
                  {p.loginBackoffReason ? <div class="bad">{p.loginBackoffReason}</div> : null}
                </td>
                <td>{run?.toolCalls ?? 0}</td>
                <td>{p.tokensToday.toLocaleString("en")}</td>
                <td>${p.costTodayUsd.toFixed(4)}</td>
                <td>{p.nextEligibleAt ? <At iso={p.nextEligibleAt} /> : "now"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Ratings by module (average per day)</h2>
      <RatingChart points={props.ratings} />
    </Layout>
  );
}
