/**
 * @module
 * The runner's read-after-write verification against the mana-mcp stand-in, call by call: each write tool with a
 * read path verified when healthy, and `missing` or `mismatch` under echo exclusion, a write that reads back
 * different, and update-blind reads, as those defects of the real stack would make it.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { beforeEach, describe, expect, it } from "vitest";
import type { ActionRecord } from "../../src/claude/conversation";
import type { CheckResult } from "../../src/verify/check";
import { READ_TOOLS } from "../../src/verify/table";
import { type VerificationStep, verifyWrites } from "../../src/verify/verify";
import { call, caller, type Json, login, sdkClient, textOf } from "./mcp-client";

const putDefects = (body: unknown) => call("http://stack.test/__stack/mcp/defects", { method: "PUT", body: JSON.stringify(body) });

/** A persona's session, its calls recorded as the runner records them, and verification over them. */
class Session {
  readonly actions: ActionRecord[] = [];
  private constructor(private readonly client: Client) {}

  static async open(): Promise<Session> {
    const { client } = await sdkClient((await login("persona.anna@mana.test")).token);
    return new Session(client);
  }

  /** A call as the persona makes it: recorded with its outcome; its answer, or undefined when it failed. */
  async write(tool: string, input: Json): Promise<Json | undefined> {
    const result = await caller(this.client).run(tool, input);
    const output = textOf(result);
    this.actions.push({ toolUseId: `t${this.actions.length}`, toolName: tool, input, inputHash: "h", result: result.isError ? "error" : "ok", output, latencyMs: 1, at: "" });
    return result.isError ? undefined : (JSON.parse(output) as Json);
  }

  /** A read the persona makes, recorded like every call: what it lists is what the run has seen. */
  async look(tool: string, input: Json = {}): Promise<Json> {
    return (await this.write(tool, input)) ?? {};
  }

  /** A change to the app that is not one of the run's calls (someone else's, or an earlier day's). */
  read(tool: string, input: Json = {}): Promise<Json> {
    return caller(this.client).json(tool, input);
  }

  /** What verification says about the calls so far, by tool, in call order. */
  async verdicts(): Promise<[string, CheckResult["status"], string | undefined][]> {
    const steps: VerificationStep[] = [];
    const { run } = caller(this.client);
    await verifyWrites(this.actions, [], 8, {
      offered: new Set((await this.client.listTools()).tools.map((tool) => tool.name)),
      call: async (tool, args) => {
        const result = await run(tool, args);
        return { kind: "result", text: textOf(result), isError: result.isError === true };
      },
      record: async (step) => void steps.push(step),
      now: () => Date.now(),
    });
    const checks = steps.flatMap((step) => step.checks);
    return this.actions.filter((action) => action.result === "ok" && !READ_TOOLS.has(action.toolName)).map((action) => {
      const check = checks.find((candidate) => candidate.toolUseId === action.toolUseId);
      return [action.toolName, check?.status ?? "verified", check?.detail];
    });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The newly covered writes, each made once as a persona would, on what the space already holds. */
async function newWrites(session: Session): Promise<void> {
  const [face] = (await session.look("me.listReferenceImages", { kind: "face" })).images;
  const { garments } = await session.look("wardrobe.listGarments");
  const [story] = (await session.look("comic.listStories")).stories;
  const [character] = (await session.look("comic.listCharacters")).characters;
  // A sign of an earlier day, which the persona sees among its open signs before resolving it.
  const { entryId: older } = await session.read("augur.captureSign", { kind: "omen", source: "Elster", claim: "Besuch kommt" });
  await session.look("augur.listOpenSigns");
  await session.write("augur.captureSign", { kind: "hunch", source: "Bauchgefühl", claim: "Morgen regnet es", expectedBy: "2026-12-01" });
  await session.write("augur.resolveSign", { entryId: older, outcome: "fulfilled" });
  const created = await session.write("comic.createCharacter", { name: "Comic-Anna", style: "manga", sourceFaceMediaId: face.mediaId });
  // Under echo exclusion the new character cannot be found to render into: that call fails and is not checked.
  await session.write("comic.generateVariant", { characterId: created?.character.id, count: 2 });
  await session.write("comic.createStory", { title: "Regentag", style: "manga", characterMediaIds: [face.mediaId] });
  await session.write("comic.pinVariant", { characterId: character.id, variantMediaId: character.variantMediaIds[1] });
  await session.write("comic.reorderPanels", { storyId: story.id, panelImageIds: story.panelImageIds.toReversed() });
  await session.write("wardrobe.createOutfit", { name: "Büro", garmentIds: garments.slice(0, 2).map((garment: Json) => garment.id) });
}

let session: Session;
beforeEach(async () => {
  await call("http://stack.test/__stack/reset", { method: "POST" });
  session = await Session.open();
  return () => session.close();
});

describe("verification of each newly covered write tool against the stand-in", () => {
  it("healthy: every one is verified", async () => {
    await newWrites(session);
    expect(await session.verdicts()).toEqual([
      ["augur.captureSign", "verified", undefined],
      ["augur.resolveSign", "verified", undefined],
      ["comic.createCharacter", "verified", undefined],
      ["comic.generateVariant", "verified", undefined],
      ["comic.createStory", "verified", undefined],
      ["comic.pinVariant", "verified", undefined],
      ["comic.reorderPanels", "verified", undefined],
      ["wardrobe.createOutfit", "verified", undefined],
    ]);
  });

  it.each([
    ["augur.captureSign", "claim"],
    ["augur.resolveSign", "outcome"],
    ["comic.createCharacter", "name"],
    ["comic.createStory", "title"],
    ["comic.pinVariant", "pinnedVariantId"],
    ["comic.reorderPanels", "panelImageIds"],
    ["comic.generateVariant", "variantMediaIds"],
    ["wardrobe.createOutfit", "name"],
  ])("%s reading back a different %s: mismatch, and only for that tool", async (tool, field) => {
    await putDefects({ readBackDiffers: { tool, field } });
    await newWrites(session);
    const verdicts = await session.verdicts();
    expect(verdicts.filter(([name]) => name === tool).map(([, status]) => status)).toEqual(["mismatch"]);
    expect(verdicts.filter(([name, status]) => name !== tool && status !== "verified")).toEqual([]);
  });

  it("echo exclusion: what mana-mcp created is missing, its changes to the web app's story and character do not show", async () => {
    await putDefects({ echoExclusion: true });
    await newWrites(session);
    expect((await session.verdicts()).map(([tool, status]) => [tool, status])).toEqual([
      ["augur.captureSign", "missing"],
      // The sign it resolves was captured through mana-mcp too, so the persona never saw it listed: a change to an
      // id the run never saw answered cannot be told from one that did not land.
      ["augur.resolveSign", "unverifiable"],
      ["comic.createCharacter", "missing"],
      ["comic.createStory", "missing"],
      ["comic.pinVariant", "mismatch"],
      ["comic.reorderPanels", "mismatch"],
      ["wardrobe.createOutfit", "missing"],
    ]);
  });
});

describe("verification under the stand-in's update-blind reads", () => {
  it("creates are verified; updates, completions, archives, resolutions, pins and reorders are mismatches, as the real defect makes them", async () => {
    await putDefects({ updateBlindReads: true });
    const { habit } = (await session.write("habits.create", { title: "Lesen", icon: "book" })) as Json;
    await session.write("habits.update", { id: habit.id, title: "Mehr lesen" });
    const { habit: older } = await session.read("habits.create", { title: "Joggen" });
    await session.look("habits.list", { includeArchived: true });
    await session.write("habits.archive", { id: older.id });
    const { task } = (await session.write("todo.create", { title: "Einkaufen", priority: "high" })) as Json;
    await session.write("todo.complete", { id: task.id });
    await session.write("notes.create", { title: "Rezept", content: "Linsensuppe" });
    await session.write("mood.log", { level: 6, emotion: "calm" });
    await newWrites(session);
    expect((await session.verdicts()).map(([tool, status, detail]) => [tool, status, detail])).toEqual([
      ["habits.create", "verified", undefined],
      ["habits.update", "mismatch", "differs in title"],
      ["habits.archive", "mismatch", "differs in isArchived"],
      ["todo.create", "verified", undefined],
      ["todo.complete", "mismatch", "differs in isCompleted"],
      ["notes.create", "verified", undefined],
      ["mood.log", "verified", undefined],
      ["augur.captureSign", "verified", undefined],
      ["augur.resolveSign", "mismatch", "still listed by augur.listOpenSigns"],
      ["comic.createCharacter", "verified", undefined],
      ["comic.generateVariant", "mismatch", "differs in pinnedVariantId, variantMediaIds"],
      ["comic.createStory", "verified", undefined],
      ["comic.pinVariant", "mismatch", "differs in pinnedVariantId"],
      ["comic.reorderPanels", "mismatch", "differs in panelImageIds"],
      ["wardrobe.createOutfit", "verified", undefined],
    ]);
  });
});
