/**
 * @module
 * The status page's coverage section: what the personas exercised of mana-mcp this week, module by module and
 * tool by tool, the offered tools none of them called, the tools gone, and the modules they wanted but lack.
 */
import type { CoverageMap, Figures, ModuleCoverage, ToolCoverage } from "../coverage/map";
import { At } from "./layout";

export function CoverageSection({ map }: { map: CoverageMap }) {
  const { summary } = map;
  const byModule = map.modules.filter((module) => map.tools.some((tool) => tool.module === module.module));
  return (
    <>
      <h2>Coverage (last {map.days} days)</h2>
      <p>
        {map.surfaceKnown ? "" : "No run has listed mana-mcp's tools yet. "}
        {summary.toolsCalled} of {summary.toolsOffered} offered tools called, {summary.modulesExercised} of {summary.modulesOffered} offered modules used;{" "}
        {summary.calls} persona calls.
      </p>
      {map.neverCalled.length > 0 ? (
        <p>
          <strong>Never called ({map.neverCalled.length}):</strong> {map.neverCalled.map((tool, index) => <>{index > 0 ? ", " : ""}<code>{tool}</code></>)}
        </p>
      ) : null}
      {map.noLongerOffered.length > 0 ? (
        <p>
          <strong class="bad">No longer offered:</strong>{" "}
          {map.noLongerOffered.map((entry, index) => (
            <>
              {index > 0 ? ", " : ""}
              <code>{entry.tool}</code> ({entry.calls} calls{entry.removedAt !== undefined ? <>, removed <At iso={new Date(entry.removedAt).toISOString()} /></> : null})
            </>
          ))}
        </p>
      ) : null}
      {map.wantedNotOffered.length > 0 ? (
        <p>
          <strong>Wanted but not offered by mana-mcp:</strong>{" "}
          {map.wantedNotOffered.map((entry, index) => (
            <>
              {index > 0 ? ", " : ""}
              {entry.module} <span class="muted">({[entry.wantedBy > 0 ? `wanted by ${entry.wantedBy}` : "", entry.mentionedBy > 0 ? `named by ${entry.mentionedBy}` : ""].filter(Boolean).join(", ")})</span>
            </>
          ))}
        </p>
      ) : null}
      <details>
        <summary>By module and tool ({map.tools.length} tools)</summary>
        <table>
          <thead>
            <tr><th>module / tool</th><th>status</th><th>calls</th><th>personas</th><th>failed</th><th>writes: verified / missing / read failed / unverifiable</th><th>verification</th></tr>
          </thead>
          <tbody>
            {byModule.map((module) => (
              <>
                <ModuleRow module={module} />
                {map.tools.filter((tool) => tool.module === module.module).map((tool) => <ToolRow tool={tool} />)}
              </>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

function ModuleRow({ module }: { module: ModuleCoverage }) {
  return (
    <tr>
      <td><strong>{module.module}</strong></td>
      <td class="muted">{module.offered ? `${module.toolsCalled} of ${module.toolsOffered} tools called` : "not offered"}{module.wantedBy > 0 ? ` · wanted by ${module.wantedBy}` : ""}</td>
      <FigureCells figures={module} />
      <td />
    </tr>
  );
}

function ToolRow({ tool }: { tool: ToolCoverage }) {
  return (
    <tr id={`coverage-${tool.tool}`}>
      <td>&nbsp;&nbsp;<code>{tool.tool}</code></td>
      <td class={tool.status === "no longer offered" ? "bad" : tool.status === "withheld" ? "muted" : tool.calls === 0 ? "muted" : ""}>{tool.status === "offered" && tool.calls === 0 ? "never called" : tool.status}</td>
      <FigureCells figures={tool} />
      <td class={tool.verification === "unknown" && tool.status === "offered" ? "bad" : "muted"}>{tool.verification}</td>
    </tr>
  );
}

function FigureCells({ figures }: { figures: Figures }) {
  const { writes } = figures;
  return (
    <>
      <td>{figures.calls}</td>
      <td>{figures.personas}</td>
      <td class={figures.failed > 0 ? "bad" : ""}>{figures.failureShare === null ? "–" : `${figures.failed} (${percent(figures.failureShare)})`}</td>
      <td>{writes ? `${[writes.verifiedShare, writes.missingShare, writes.readFailedShare, writes.unverifiableShare].map(percent).join(" / ")} of ${writes.checks}` : "–"}</td>
    </>
  );
}

const percent = (share: number) => `${Math.round(share * 100)} %`;
