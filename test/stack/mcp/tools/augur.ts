/** @module The stand-in's augur tools: capture a sign, resolve it, list the open ones, consult the Living Oracle, recap a year. */
import { z } from "zod";
import type { Records, StoredRecord } from "../records";
import { consult, type Outcome, recap, type Sign, SIGN_KINDS, SOURCE_CATEGORIES, VIBES } from "./augur-oracle";
import { day, utcDay } from "./dates";
import { defineTool, notFound } from "./tool";

export const AUGUR_KIND = "augur-entry";

interface AugurEntry extends StoredRecord, Sign {
  source: string;
  claim: string;
  feltMeaning: string | null;
  expectedOutcome: string | null;
  expectedBy: string | null;
  probability: number | null;
  outcomeNote: string | null;
  resolvedAt: string | null;
  isArchived: boolean;
  deletedAt?: string | null;
  createdAt: string;
  updatedAt: string;
}

const kind = z.enum(SIGN_KINDS);
const vibe = z.enum(VIBES);
const sourceCategory = z.enum(SOURCE_CATEGORIES);
const resolution = z.enum(["fulfilled", "partly", "not-fulfilled"]);

/** Every sign of the space a pull shows, archived and deleted ones left out. */
function signs(records: Records, space: string): AugurEntry[] {
  return records.list<AugurEntry>(space, AUGUR_KIND).filter((entry) => !entry.deletedAt && !entry.isArchived);
}

/**
 * The order of open signs as the registry's handler sorts them: the expected day, else the day the sign was
 * encountered. The tool's description says "encounteredAt + 30 days"; the handler adds nothing (docs/contracts.md §5).
 */
const reminder = (entry: AugurEntry) => entry.expectedBy ?? entry.encounteredAt;

export const augurTools = [
  defineTool({
    name: "augur.captureSign",
    description:
      'Log a new sign in the Augur module — an omen (external sign), fortune (read/cast aussage), or hunch (gut feeling). Defaults: vibe = "mysterious", encounteredAt = today, outcome starts "open" so the user can resolve it later. Source/claim/feltMeaning/expectedOutcome/tags travel encrypted.',
    input: {
      kind,
      source: z.string().min(1).max(500),
      claim: z.string().min(1).max(2000),
      sourceCategory: sourceCategory.default("other"),
      vibe: vibe.default("mysterious"),
      feltMeaning: z.string().max(2000).nullable().default(null),
      expectedOutcome: z.string().max(2000).nullable().default(null),
      expectedBy: day.nullable().default(null),
      probability: z.number().min(0).max(1).nullable().default(null),
      tags: z.array(z.string()).default([]),
      encounteredAt: day.optional(),
    },
    run: (args, { records, space, now }) => {
      const at = now.toISOString();
      const entry = records.insert<AugurEntry>(space, AUGUR_KIND, {
        id: crypto.randomUUID(),
        ...args,
        outcome: "open",
        outcomeNote: null,
        resolvedAt: null,
        encounteredAt: args.encounteredAt ?? utcDay(now),
        isArchived: false,
        createdAt: at,
        updatedAt: at,
      });
      return { entryId: entry.id, kind: entry.kind, source: entry.source };
    },
  }),
  defineTool({
    name: "augur.consultOracle",
    description:
      "Consult the deterministic Living Oracle: given a hypothetical sign's shape (kind/sourceCategory/vibe + optional source/claim/tags for keyword matching), return what happened to similar resolved signs in the user's own history. Stays silent below 50 resolved entries (cold-start) or below 3 matches.",
    input: {
      kind,
      sourceCategory,
      vibe,
      source: z.string().max(500).optional(),
      claim: z.string().max(2000).optional(),
      tags: z.array(z.string()).default([]),
    },
    run: (args, { records, space }) => consult(args, signs(records, space)),
  }),
  defineTool({
    name: "augur.listOpenSigns",
    description:
      "List augur entries still waiting on resolution (outcome = open). Sorted by reminder date (expectedBy if set, else encounteredAt + 30 days). Filter by `kind` to focus on omens/fortunes/hunches.",
    input: { kind: kind.optional(), limit: z.int().positive().max(100).default(30) },
    run: (args, { records, space }) => ({
      entries: signs(records, space)
        .filter((entry) => entry.outcome === "open" && (!args.kind || entry.kind === args.kind))
        .sort((a, b) => reminder(a).localeCompare(reminder(b)))
        .slice(0, args.limit)
        .map(({ id, kind, source, claim, vibe, encounteredAt, expectedBy }) => ({ id, kind, source, claim, vibe, encounteredAt, expectedBy })),
    }),
  }),
  defineTool({
    name: "augur.resolveSign",
    description:
      "Resolve an open augur entry — mark whether it came true (fulfilled / partly / not-fulfilled). Optional note carries the user's own write-up of how it actually went; encrypted at rest.",
    input: { entryId: z.string(), outcome: resolution, note: z.string().max(2000).nullable().default(null) },
    run: (args, { records, space, now }) => {
      const at = now.toISOString();
      const outcome: Outcome = args.outcome;
      if (!records.update<AugurEntry>(space, AUGUR_KIND, args.entryId, { outcome, outcomeNote: args.note, resolvedAt: at, updatedAt: at })) {
        throw notFound("augur entry", args.entryId);
      }
      return { entryId: args.entryId, outcome: args.outcome };
    },
  }),
  defineTool({
    name: "augur.yearRecap",
    description:
      "Structured year-in-review: total, resolved/open counts, weighted hit-rate, by-kind / by-vibe / by-outcome breakdowns, top source-categories and best/worst forecaster (categories with n>=3 only). Year defaults to the current calendar year.",
    input: { year: z.int().min(2000).max(2100).optional() },
    run: (args, { records, space, now }) => recap(args.year ?? now.getUTCFullYear(), signs(records, space)),
  }),
];
