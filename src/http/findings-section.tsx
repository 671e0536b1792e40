/**
 * @module
 * The status page's top: what is broken now, cause by cause (with the tools and personas a cause covers and a
 * tool change it followed), the tools the model keeps calling wrong, mana-mcp's tool changes, and what recovered.
 */
import type { FindingsOverview } from "../findings/findings";
import type { Finding } from "../findings/lifecycle";
import type { SurfaceEvent } from "../findings/surface-store";
import { listed } from "../findings/verdict";
import { At } from "./layout";

const LISTED = 8;

export function FindingsSection({ overview }: { overview: FindingsOverview }) {
  const broken = overview.open.filter((finding) => finding.kind !== "tool-misused");
  const misused = overview.open.filter((finding) => finding.kind === "tool-misused");
  return (
    <>
      <h2>Findings</h2>
      {broken.length === 0 ? <p class="ok">Nothing is broken: no open finding.</p> : <FindingTable findings={broken} />}
      {misused.length > 0 ? (
        <>
          <h3>Tools the model keeps calling wrong</h3>
          <p class="muted">Arguments the tool's schema refuses, ids that do not exist: the tool's description or schema is hard for agents to use.</p>
          <FindingTable findings={misused} />
        </>
      ) : null}
      {overview.surface.length > 0 ? <SurfaceChanges events={overview.surface} /> : null}
      {overview.resolved.length > 0 ? (
        <details>
          <summary>{overview.resolved.length} resolved in the last seven days</summary>
          <ul>
            {overview.resolved.map((finding) => (
              <li>
                {finding.verdict.title}: open from <At iso={iso(finding.openedAt)} /> to <At iso={iso(finding.resolvedAt ?? finding.openedAt)} />
                {finding.flaps ? ` (intermittent, reopened ${finding.flaps}×)` : ""}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function FindingTable({ findings }: { findings: Finding[] }) {
  return (
    <table>
      <thead>
        <tr><th>what is broken</th><th>since (UTC)</th><th>evidence</th><th>example run</th></tr>
      </thead>
      <tbody>
        {findings.map((finding) => (
          <FindingRow finding={finding} />
        ))}
      </tbody>
    </table>
  );
}

function FindingRow({ finding }: { finding: Finding }) {
  const { verdict } = finding;
  const example = verdict.examples[0];
  const notes = [finding.kind, finding.occurrence > 1 ? `occurrence ${finding.occurrence}` : "", finding.flaps ? `intermittent, reopened ${finding.flaps}×` : "", finding.ackedAt ? "acknowledged" : ""];
  return (
    <tr id={finding.id}>
      <td>
        <strong class="bad">{verdict.title}</strong>
        <div class="muted">{notes.filter(Boolean).join(" · ")}</div>
        {verdict.attribution ? <div>{verdict.attribution}</div> : null}
      </td>
      <td><At iso={iso(finding.openedAt)} /></td>
      <td>
        {verdict.summary}
        {verdict.tools && verdict.tools.length > 1 ? <div class="muted">tools: {listed(verdict.tools, LISTED)}</div> : null}
        {verdict.personas && verdict.personas.length > 1 ? <div class="muted">personas: {listed(verdict.personas, LISTED)}</div> : null}
        {verdict.signatures.slice(0, 3).map((entry) => (
          <div><code>{entry.count}× {entry.signature}</code></div>
        ))}
      </td>
      <td>{example ? <a href={`/runs/${example.userId}/${encodeURIComponent(example.runId)}`}>{example.persona}</a> : "–"}</td>
    </tr>
  );
}

function SurfaceChanges({ events }: { events: SurfaceEvent[] }) {
  return (
    <details>
      <summary>mana-mcp's tools changed {events.length}× lately, the newest <At iso={iso(events[0]?.at ?? 0)} /> UTC</summary>
      <ul>
        {events.map((event) => (
          <li>
            <At iso={iso(event.at)} />: <code>{event.tool}</code> {event.change === "changed" ? "input schema changed" : `was ${event.change}`}
            {event.diff.length > 0 ? <span class="muted"> ({event.diff.join("; ")})</span> : null}
          </li>
        ))}
      </ul>
    </details>
  );
}

const iso = (ms: number) => new Date(ms).toISOString();
