import { describe, expect, it } from "vitest";
import { PARSE_MARKER, parseRatings } from "./rating";

describe("parseRatings", () => {
  it("keeps used modules, rounds and clamps ratings, first rating wins", () => {
    const text = `Hier: {"ratings":[{"module":"todo","rating":4.6,"notes":"gut"},{"module":"mood","rating":9},
      {"module":"todo","rating":1},{"module":"calendar","rating":5},{"module":"notes","rating":-2}]}`;
    expect(parseRatings(text, ["todo", "mood", "notes"], "t1")).toEqual([
      { tickId: "t1", module: "todo", rating: 5, notes: "gut" },
      { tickId: "t1", module: "mood", rating: 5 },
      { tickId: "t1", module: "notes", rating: 1 },
    ]);
  });

  it("truncates notes to 1000 characters", () => {
    const text = JSON.stringify({ ratings: [{ module: "todo", rating: 3, notes: "x".repeat(2000) }] });
    expect(parseRatings(text, ["todo"], "t")[0]?.notes).toHaveLength(1000);
  });

  it.each(["kein JSON", '{"ratings": "nope"}', '{"ratings":[{"module":"calendar","rating":3}]}', "{broken"])(
    "turns unusable output %j into one __parse row",
    (text) => {
      const rows = parseRatings(text, ["todo"], "t");
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ tickId: "t", module: PARSE_MARKER, rating: 3 });
      expect(rows[0]?.notes).toContain(text.slice(0, 5));
    },
  );
});
