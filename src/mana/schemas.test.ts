/** @module Organisation metadata read as an object, a JSON string or absent; a string that is not a JSON object is named. */
import { describe, expect, it } from "vitest";
import { organizationListSchema } from "./schemas";

describe("organizationListSchema", () => {
  it("reads metadata as an object, as a JSON string (older rows), or absent", () => {
    const orgs = organizationListSchema.parse([
      { id: "a", metadata: { type: "personal" } },
      { id: "b", metadata: '{"type":"personal"}' },
      { id: "c", metadata: null },
      { id: "d" },
    ]);
    expect(orgs.map((org) => org.metadata?.type)).toEqual(["personal", "personal", undefined, undefined]);
  });

  it("names the organisation whose metadata string is not a JSON object", () => {
    const parsed = organizationListSchema.safeParse([{ id: "a", metadata: "personal" }]);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([0, "metadata"]);
    expect(JSON.stringify(parsed.error?.issues)).toContain("metadata is not a JSON object");
  });
});
