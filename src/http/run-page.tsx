/**
 * @module
 * One run read like a conversation: the brief, what the persona said, each tool call and its result, what
 * verification read back, and the rating.
 */
import type { ContentBlockParam, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import type { ActionRecord } from "../claude/conversation";
import type { Usage } from "../claude/usage";
import type { RunDetail } from "../persona/runner";
import { Layout } from "./layout";

export function RunPage({ run }: { run: RunDetail }) {
  const { conversation, verification, rating } = run.transcript;
  const actions = new Map(conversation.actions.map((action) => [action.toolUseId, action]));
  const checks = verification.flatMap((step) => step.checks.map((check) => ({ ...check, read: step.read })));
  return (
    <Layout title={`${run.persona.email} · ${run.runId}`}>
      <p><a href="/">← all personas</a></p>
      <h1>{run.persona.email}</h1>
      <p>
        <strong class={run.phase === "failed" ? "bad" : run.phase === "succeeded" ? "ok" : ""}>{run.phase}</strong>
        {run.error ? ` · ${run.error}` : ""} · run {run.runId} · {conversation.turns} model calls ·{" "}
        {tokenLine(run.usage)} · ${run.costUsd.toFixed(5)}
        {conversation.ended ? ` · ended: ${conversation.ended}` : ""}
      </p>
      {conversation.leftOut.length > 0 ? (
        <p class="bad">Tools left out of this run: {conversation.leftOut.map((tool) => `${tool.name} (${tool.reason})`).join("; ")}</p>
      ) : null}
      <details>
        <summary>System prompt</summary>
        <pre>{conversation.system}</pre>
      </details>
      {conversation.messages.map((message) => (
        <Message message={message} actions={actions} />
      ))}
      <h2>Read back</h2>
      {checks.length === 0 ? (
        <p class="muted">Nothing to check (no write answered ok), or verification not reached.</p>
      ) : (
        <table>
          {checks.map((check) => (
            <tr>
              <td><code>{check.tool}</code></td>
              <td class={check.status === "verified" ? "ok" : check.status === "unverifiable" ? "muted" : "bad"}>{check.status}</td>
              <td class="muted">{check.read ? `${check.read.tool} ${JSON.stringify(check.read.args)}` : ""}</td>
              <td>{check.detail}</td>
            </tr>
          ))}
        </table>
      )}
      <h2>Rating</h2>
      {rating ? (
        <table>
          {rating.feedback.map((row) => (
            <tr><td>{row.module}</td><td>{row.rating}</td><td>{row.notes}</td></tr>
          ))}
          {rating.dropped.map((entry) => (
            <tr class="muted"><td colspan={2}>dropped</td><td><code>{entry.entry}</code>: {entry.reason}</td></tr>
          ))}
        </table>
      ) : (
        <p class="muted">No rating turn (no modules used, or not reached).</p>
      )}
    </Layout>
  );
}

const n = (value: number) => value.toLocaleString("en");

/** Every kind of token the cost is priced from: cache writes of both lifetimes, which cost 1.25× and 2× input. */
export function tokenLine(usage: Usage): string {
  return `${n(usage.input)} in / ${n(usage.output)} out / ${n(usage.cacheWrite1h)} cache write (1 h) / ${n(usage.cacheWrite)} cache write (5 min) / ${n(usage.cacheRead)} cache read tokens`;
}

/** A tool result as one short line: compact JSON when it parses, else the text with its line breaks flattened. */
function oneLine(content: string): string {
  let flat: string;
  try {
    flat = JSON.stringify(JSON.parse(content));
  } catch {
    flat = content.replace(/\s+/g, " ");
  }
  return flat.length > 140 ? `${flat.slice(0, 140)}…` : flat;
}

function Message({ message, actions }: { message: MessageParam; actions: Map<string, ActionRecord> }) {
  const blocks: ContentBlockParam[] = typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
  // A user turn of nothing but tool results is mana-mcp answering, not the runner speaking.
  const speaker = message.role === "assistant" ? "persona" : blocks.every((block) => block.type === "tool_result") ? "mana-mcp" : "runner";
  return (
    <div class={`msg ${message.role}`}>
      <div class="muted">{speaker}</div>
      {blocks.map((block) => {
        if (block.type === "text") return <pre>{block.text}</pre>;
        if (block.type === "tool_use") {
          const action = actions.get(block.id);
          return (
            <div class={`tool ${action?.result === "error" ? "error" : ""}`}>
              <code>{action?.toolName ?? block.name}</code> <code class="muted">{JSON.stringify(block.input)}</code>
              {action ? <div class="muted">{action.result} · {action.latencyMs} ms</div> : null}
            </div>
          );
        }
        if (block.type === "tool_result") {
          const content = typeof block.content === "string" ? block.content : JSON.stringify(block.content);
          // Named after its call (several results in one turn are otherwise told apart only by their order), one
          // line of it folded: pretty JSON at full length would bury the conversation it answers.
          return (
            <details class="tool-result">
              <summary>
                <code>{actions.get(block.tool_use_id)?.toolName ?? "result"}</code>{" "}
                <code class={block.is_error ? "bad" : "muted"}>{oneLine(content)}</code>
              </summary>
              <pre class={`result ${block.is_error ? "bad" : "muted"}`}>{content.slice(0, 1500)}</pre>
            </details>
          );
        }
        return null;
      })}
    </div>
  );
}
