/**
 * @module
 * What the runner says to the persona: the day's brief and the ratings request (German, like the app).
 */

/** The persona's preferred modules, heaviest first; weights need not sum to 1. */
export function preferredModules(moduleMix: Record<string, number>): string[] {
  return Object.entries(moduleMix)
    .filter(([, weight]) => weight > 0)
    .sort(([a, wa], [b, wb]) => wb - wa || a.localeCompare(b))
    .map(([module]) => module);
}

export function mainTurnPrompt(today: string, modules: string[]): string {
  return [
    `Heute ist ${today}. Du öffnest Mana und erledigst, was bei dir heute so ansteht.`,
    "Nutze dafür 3 bis 8 der verfügbaren Werkzeuge, so wie du es im Alltag tun würdest: schau nach, lege an,",
    "hake ab. Bleib ganz in deiner Rolle. Wenn etwas nicht klappt, reagiere darauf wie du es tun würdest.",
    `Bevorzugte Module: ${modules.join(", ") || "keine"}`,
    "Wenn du fertig bist, fasse in zwei Sätzen zusammen, was du gemacht hast.",
  ].join("\n");
}

/**
 * The last message of the persona's own conversation, so the rater judges what actually happened. The Claude
 * stand-in and the parser both rely on the `Module:` line and the JSON shape named here.
 */
export function ratingPrompt(modules: string[]): string {
  return [
    "Dein Tag in Mana ist vorbei. Bewerte jetzt, ganz in deiner Rolle, jedes Modul, das du heute benutzt hast,",
    "von 1 (furchtbar) bis 5 (großartig), mit einer kurzen Begründung aus deiner Sicht. Benutze dabei keine Werkzeuge mehr.",
    `Module: ${modules.join(", ")}`,
    'Antworte ausschließlich mit JSON in genau dieser Form: {"ratings":[{"module":"<name>","rating":<1-5>,"notes":"<Begründung>"}]}',
  ].join("\n");
}
