/** @module What a finished run hands the findings: its calls, checks and ratings, never the parse marker as a rating. */
import { describe, expect, it } from "vitest";
import { emptyConversation } from "../claude/conversation";
import { parseRatings } from "../claude/rating";
import type { RunHeader } from "../persona/store";
import type { Transcript } from "../persona/transcript";
import { type VerificationStep, verifyWrites } from "../verify/verify";
import { evidenceOf } from "./evidence";

const header: RunHeader = {
  runId: "run-1",
  tickId: "run-1",
  slot: "2026-11-25T09:00Z",
  manual: false,
  persona: { userId: "u1", email: "persona.probe@mana.test", archetype: "probe", tickCadence: "daily" },
  phase: "succeeded",
  attempts: 1,
  createdAt: 1_000,
  startedAt: 2_000,
  finishedAt: 9_000,
  usage: { input: 0, output: 0, cacheWrite: 0, cacheWrite1h: 0, cacheRead: 0 },
  costUsd: 0,
};

function transcriptRated(answer: string): Transcript {
  const conversation = emptyConversation();
  return { conversation, verification: [], usage: conversation.usage, rating: { type: "rating", text: answer, ...parseRatings(answer, ["todo"], "run-1"), usage: conversation.usage } };
}

describe("evidenceOf", () => {
  it("carries the run's ratings", () => {
    expect(evidenceOf(header, transcriptRated('{"ratings":[{"module":"todo","rating":4}]}')).ratings).toEqual([{ module: "todo", rating: 4 }]);
  });

  it("leaves out the marker of an unparseable rating answer: it goes to mana-auth, never into averages, drops or the chart", () => {
    const transcript = transcriptRated("Alles gut, danke!");
    expect(transcript.rating?.feedback.map((row) => row.module)).toEqual(["__parse"]);
    expect(evidenceOf(header, transcript).ratings).toEqual([]);
  });

  it("counts a write tool the verification table does not know, the same day mana-mcp offers it: an unverifiable check, no read path known", async () => {
    const conversation = emptyConversation();
    conversation.actions.push({ toolUseId: "t1", toolName: "dreams.record", input: { text: "Ich flog" }, inputHash: "h", result: "ok", output: '{"dream":{"id":"d1"}}', latencyMs: 3, at: "" });
    const verification: VerificationStep[] = [];
    await verifyWrites(conversation.actions, [], 8, {
      offered: new Set(["dreams.record"]),
      call: () => Promise.reject(new Error("no read may be made")),
      record: async (step) => void verification.push(step),
      now: () => 0,
    });
    const evidence = evidenceOf(header, { conversation, verification, usage: conversation.usage });
    expect(evidence.calls).toMatchObject([{ tool: "dreams.record", ok: true }]);
    expect(evidence.checks).toEqual([{ tool: "dreams.record", status: "unverifiable", detail: "no read path known" }]);
  });

  it("classifies each failed call, and an id the app itself answered earlier that it then cannot find is the app's failure", () => {
    const conversation = emptyConversation();
    const failed = (toolName: string, id: string, errorMessage: string) => ({ toolUseId: `t-${toolName}-${id}`, toolName, input: { id }, inputHash: "h", result: "error" as const, errorMessage, output: errorMessage, latencyMs: 5, at: "" });
    conversation.actions.push(
      { toolUseId: "t0", toolName: "todo.create", input: { title: "x" }, inputHash: "h", result: "ok", output: '{"task":{"id":"11111111-1111-4111-8111-111111111111"}}', latencyMs: 4, at: "" },
      failed("todo.complete", "11111111-1111-4111-8111-111111111111", "Tool todo.complete failed: todo 11111111-1111-4111-8111-111111111111 not found"),
      failed("todo.complete", "22222222-2222-4222-8222-222222222222", "Tool todo.complete failed: todo 22222222-2222-4222-8222-222222222222 not found"),
      failed("todo.create", "", "MCP error -32602: Input validation error: Invalid arguments for tool todo.create: Required at title"),
    );
    const origins = evidenceOf(header, { conversation, verification: [], usage: conversation.usage }).calls.map((call) => call.origin ?? "ok");
    expect(origins).toEqual(["ok", "app", "not-found", "input"]);
  });

  it("notes the modules a persona wanted and named in its own German words", () => {
    const conversation = emptyConversation();
    conversation.messages.push({ role: "assistant", content: [{ type: "text", text: "Ich hätte gern meinen Kalender gesehen, aber das gibt es hier nicht." }] });
    const evidence = evidenceOf(header, { conversation, verification: [], usage: conversation.usage }, ["calendar", "contacts", "todo"]);
    expect(evidence.wanted).toEqual(["calendar", "contacts", "todo"]);
    expect(evidence.mentioned).toEqual(["calendar"]);
  });
});
