/** @module Ratings parsing: entries validated one by one, bad ones dropped with a reason, an answer with none usable one __parse row. */
import { describe, expect, it } from "vitest";
import { PARSE_MARKER, parseRatings } from "./rating";

describe("parseRatings", () => {
  it("validates each entry on its own: reads \"5\" as 5, rounds, drops only the bad entries with their reason", () => {
    const text = `Hier: {"ratings":[{"module":"todo","rating":4.6,"notes":"gut"},{"module":"mood","rating":"5"},
      {"module":"todo","rating":1},{"module":"calendar","rating":5},{"module":"notes","rating":9},{"module":"notes","rating":"viel"},
      {"module":"notes","rating":2}]}`;
    const { feedback, dropped } = parseRatings(text, ["todo", "mood", "notes"], "t1");
    expect(feedback).toEqual([
      { tickId: "t1", module: "todo", rating: 5, notes: "gut" },
      { tickId: "t1", module: "mood", rating: 5 },
      { tickId: "t1", module: "notes", rating: 2 },
    ]);
    expect(dropped.map((entry) => entry.reason)).toEqual([
      "a second rating for todo (the first one counts)",
      "module calendar was not used in this run",
      expect.stringMatching(/^rating: .*(<=|5)/),
      expect.stringMatching(/^rating: /),
    ]);
    expect(dropped[2]?.entry).toContain('"rating":9');
  });

  it("truncates notes to 1000 characters", () => {
    const text = JSON.stringify({ ratings: [{ module: "todo", rating: 3, notes: "x".repeat(2000) }] });
    expect(parseRatings(text, ["todo"], "t").feedback[0]?.notes).toHaveLength(1000);
  });

  it.each(["kein JSON", '{"ratings": "nope"}', '{"ratings":[{"module":"calendar","rating":3}]}', "{broken", '{"ratings":[{"module":"todo","rating":0}]}'])(
    "turns an answer without one usable entry, %j, into one __parse row",
    (text) => {
      const { feedback } = parseRatings(text, ["todo"], "t");
      expect(feedback).toHaveLength(1);
      expect(feedback[0]).toMatchObject({ tickId: "t", module: PARSE_MARKER, rating: 3 });
      expect(feedback[0]?.notes).toContain(text.slice(0, 5));
    },
  );
});
