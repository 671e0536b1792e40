/**
 * @module
 * The Augur module's deterministic reflections over a user's signs: the Living Oracle's matching of a sign's shape
 * against resolved ones, and the year recap. Pure functions with the registry's thresholds and weights.
 */

export const SIGN_KINDS = ["omen", "fortune", "hunch"] as const;
export const VIBES = ["good", "bad", "mysterious"] as const;
export const SOURCE_CATEGORIES = ["gut", "tarot", "horoscope", "fortune-cookie", "iching", "dream", "person", "media", "natural", "other"] as const;
export const OUTCOMES = ["open", "fulfilled", "partly", "not-fulfilled"] as const;

export type SignKind = (typeof SIGN_KINDS)[number];
export type Vibe = (typeof VIBES)[number];
export type SourceCategory = (typeof SOURCE_CATEGORIES)[number];
export type Outcome = (typeof OUTCOMES)[number];

/** The fields of a sign the reflections read. */
export interface SignShape {
  kind: SignKind;
  sourceCategory: SourceCategory;
  vibe: Vibe;
  tags: string[];
  source?: string | null;
  claim?: string | null;
}

export interface Sign extends SignShape {
  outcome: Outcome;
  encounteredAt: string;
}

/** The Oracle stays silent below this many signs in the history, and below this many matches. */
const COLD_START = 50;
const MIN_MATCHES = 3;
/** Of kind, category, vibe, a shared tag and a shared keyword, this many must agree for a match. */
const MIN_SCORE = 2;
/** Only categories with at least this many resolved signs compete for best and worst source. */
const RANKED_MIN = 3;

const STOP_WORDS = new Set(
  ("oder aber doch eine einer einen eines einem wenn dann noch sehr mehr auch durch ueber unter gegen sich haben hatte " +
    "sein sind wird wurde kann koennen wie was warum wann wer this that have with from they will been were when what just").split(" "),
);

const OUTCOME_VALUE: Record<Outcome, number | null> = { open: null, fulfilled: 1, partly: 0.5, "not-fulfilled": 0 };

function keywords(text: string): Set<string> {
  const words = text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9\säöüß]/g, " ").split(/\s+/);
  return new Set(words.filter((word) => word.length >= 4 && !STOP_WORDS.has(word)));
}

function overlaps(a: Set<string>, b: Set<string>): boolean {
  return [...a].some((item) => b.has(item));
}

function score(a: SignShape, b: SignShape): number {
  const tags = (shape: SignShape) => new Set(shape.tags.map((tag) => tag.toLowerCase().trim()).filter(Boolean));
  const words = (shape: SignShape) => keywords([shape.source, shape.claim].filter(Boolean).join(" "));
  return [a.kind === b.kind, a.sourceCategory === b.sourceCategory, a.vibe === b.vibe, overlaps(tags(a), tags(b)), overlaps(words(a), words(b))].filter(Boolean)
    .length;
}

interface Tally {
  n: number;
  hitRate: number;
  fulfilled: number;
  partly: number;
  notFulfilled: number;
}

function tally(signs: readonly Sign[]): Tally {
  const scored = signs.filter((sign) => OUTCOME_VALUE[sign.outcome] !== null);
  const weighted = scored.reduce((sum, sign) => sum + (OUTCOME_VALUE[sign.outcome] ?? 0), 0);
  const count = (outcome: Outcome) => scored.filter((sign) => sign.outcome === outcome).length;
  return {
    n: scored.length,
    hitRate: scored.length > 0 ? weighted / scored.length : 0,
    fulfilled: count("fulfilled"),
    partly: count("partly"),
    notFulfilled: count("not-fulfilled"),
  };
}

/** What happened to resolved signs shaped like this one; silent on a short history or too few matches. */
export function consult(shape: SignShape, history: readonly Sign[]) {
  const matches = tally(history.filter((sign) => OUTCOME_VALUE[sign.outcome] !== null && score(shape, sign) >= MIN_SCORE));
  const speaks = history.length >= COLD_START && matches.n >= MIN_MATCHES;
  return {
    speaks,
    reflection: speaks ? reflection(matches) : null,
    matches: matches.n,
    hitRate: matches.hitRate,
    breakdown: { fulfilled: matches.fulfilled, partly: matches.partly, notFulfilled: matches.notFulfilled },
    thresholds: { coldStart: COLD_START, minMatches: MIN_MATCHES, historyTotal: history.length },
  };
}

function reflection(matches: Tally): string {
  const parts = [`Du hast ${matches.n} aehnliche Zeichen schon einmal protokolliert.`];
  const breakdown = [
    matches.fulfilled ? `${matches.fulfilled} eingetreten` : "",
    matches.partly ? `${matches.partly} teilweise` : "",
    matches.notFulfilled ? `${matches.notFulfilled} nicht eingetreten` : "",
  ].filter(Boolean);
  if (breakdown.length > 0) parts.push(`Davon: ${breakdown.join(", ")}.`);
  parts.push(`Trefferquote bei aehnlichen Mustern: ${Math.round(matches.hitRate * 100)}%.`);
  return parts.join(" ");
}

/** The year's signs counted by kind, vibe and outcome, with the source categories' hit rates. */
export function recap(year: number, signs: readonly Sign[]) {
  const inYear = signs.filter((sign) => sign.encounteredAt.startsWith(`${year}-`));
  const countBy = <K extends string>(keys: readonly K[], of: (sign: Sign) => K) =>
    Object.fromEntries(keys.map((key) => [key, inYear.filter((sign) => of(sign) === key).length])) as Record<K, number>;
  const resolved = tally(inYear);
  const categories = SOURCE_CATEGORIES.map((category) => ({ category, ...tally(inYear.filter((sign) => sign.sourceCategory === category)) }))
    .filter((row) => row.n > 0)
    .map(({ category, n, hitRate }) => ({ category, n, hitRate }))
    .sort((a, b) => b.n - a.n);
  const ranked = categories.filter((row) => row.n >= RANKED_MIN);
  return {
    year,
    total: inYear.length,
    resolved: resolved.n,
    open: inYear.filter((sign) => sign.outcome === "open").length,
    hitRate: resolved.n > 0 ? resolved.hitRate : null,
    byKind: countBy(SIGN_KINDS, (sign) => sign.kind),
    byVibe: countBy(VIBES, (sign) => sign.vibe),
    byOutcome: countBy(OUTCOMES, (sign) => sign.outcome),
    topCategories: categories.slice(0, 5),
    bestSource: [...ranked].sort((a, b) => b.hitRate - a.hitRate)[0] ?? null,
    worstSource: [...ranked].sort((a, b) => a.hitRate - b.hitRate)[0] ?? null,
  };
}
