/** @module Alert texts: app, persona and model text escaped for Slack, code spans that stay one, no links without a public URL. */
import { describe, expect, it } from "vitest";
import type { Finding } from "../findings/lifecycle";
import { batchMessage, code, digestMessage, escape, findingMessage } from "./message";

const finding = (error: string): Finding => ({
  id: "tool-failing:notes.create",
  kind: "tool-failing",
  subject: "notes.create",
  state: "open",
  occurrence: 1,
  openedAt: Date.parse("2026-11-25T09:14:00Z"),
  lastSeenAt: Date.parse("2026-11-25T09:14:00Z"),
  verdict: {
    holds: true,
    title: "notes.create is failing",
    summary: "3 of the last 6 calls of notes.create failed (usually 2 %)",
    counts: { calls: 6, failed: 3 },
    signatures: [{ signature: error, count: 3 }],
    examples: [{ runId: "run-1", userId: "u1", persona: "persona.kai@mana.test", at: Date.parse("2026-11-25T09:14:00Z") }],
    tools: ["notes.create"],
  },
});
const text = (body: unknown) => (body as { text: string }).text;

describe("finding messages", () => {
  it("escape what the app echoes, so it can neither ping the channel nor plant a disguised link", () => {
    const body = findingMessage("opened", finding("Tool notes.create failed: title <!channel> & <https://evil.example|your invoice>"), { base: "https://runner.example" }, "slack");
    expect(text(body)).toContain("`Tool notes.create failed: title &lt;!channel&gt; &amp; &lt;https://evil.example|your invoice&gt;`");
    expect(text(body)).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(text(body)).toContain("Example run: <https://runner.example/runs/u1/run-1|persona.kai@mana.test at 2026-11-25 09:14 UTC>");
    expect(text(body).split("\n").at(-1)).toBe("Finding `tool-failing:notes.create`");
  });

  it("keep a code span one span whatever the signature holds", () => {
    expect(code("a `b` c\nd")).toBe("`a ˋbˋ c d`");
    expect(escape("<&>")).toBe("&lt;&amp;&gt;");
  });

  it("carry no link at all without RUNNER_PUBLIC_URL: Slack cannot open a relative one", () => {
    const slack = text(findingMessage("opened", finding("x"), { base: "" }, "slack"));
    expect(slack).not.toContain("</runs/");
    expect(slack).not.toContain("Example run:");
    expect(findingMessage("opened", finding("x"), { base: "" }, "json")).not.toHaveProperty("finding.url");
  });

  it("say both events when the opened message never went out before the finding resolved", () => {
    expect(text(findingMessage("opened and resolved", finding("x"), { base: "" }, "slack")).split("\n")[0]).toBe(
      ":large_yellow_circle: *Finding opened and resolved again:* notes.create is failing (open since 2026-11-25 09:14 UTC)",
    );
  });

  it("list several at once as one batch", () => {
    const body = text(batchMessage([{ line: "opened: a is failing", body: {} }, { line: "opened: b is failing", body: {} }, { line: "resolved: c", body: {} }], 4, { base: "" }, "slack"));
    expect(body.split("\n")).toEqual([":rotating_light: *7 alerts at once* (the first 3 listed, the rest follow)", "• opened: a is failing", "• opened: b is failing", "• resolved: c"]);
  });
});

describe("the digest's coverage part", () => {
  it("counts what the personas exercised of what is offered and names what none called, what went and what they missed, escaped", () => {
    const body = text(
      digestMessage(
        {
          day: "2026-11-25",
          open: [],
          runs: { succeeded: 10, failed: 0, costUsd: 0.2 },
          failures: [],
          modules: [],
          coverage: {
            days: 7,
            summary: { toolsOffered: 14, toolsCalled: 9, modulesOffered: 6, modulesExercised: 5, calls: 60 },
            neverCalled: ["todo.complete", "spaces.list"],
            noLongerOffered: [{ tool: "journal.add", calls: 3 }],
            wantedNotOffered: [
              { module: "calendar", wantedBy: 5, mentionedBy: 2 },
              { module: "<!channel>", wantedBy: 0, mentionedBy: 1 },
            ],
          },
        },
        { base: "" },
        "slack",
      ),
    );
    expect(body.split("\n").slice(-4)).toEqual([
      "Coverage over the last 7 days: 9 of 14 offered tools called, 5 of 6 offered modules used.",
      "Never called (2): `todo.complete`, `spaces.list`",
      "No longer offered: `journal.add` (3 calls this week)",
      "Wanted but not offered: calendar (wanted by 5 personas, named by 2 personas), &lt;!channel&gt; (named by 1 persona)",
    ]);
  });
});
