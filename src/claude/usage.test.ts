/** @module Usage from the API: cache writes split by lifetime as the API breaks them down, older answers and stored runs read as 5-minute writes. */
import type { Usage as ApiUsage } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { fromApi, storedUsage, totalTokens } from "./usage";

const api = (fields: Partial<ApiUsage>) => ({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 300, ...fields }) as ApiUsage;

describe("fromApi", () => {
  it("splits the cache writes by lifetime as the API breaks them down", () => {
    const usage = fromApi(api({ cache_creation_input_tokens: 900, cache_creation: { ephemeral_1h_input_tokens: 700, ephemeral_5m_input_tokens: 200 } }));
    expect(usage).toEqual({ input: 10, output: 5, cacheWrite: 200, cacheWrite1h: 700, cacheRead: 300 });
    expect(totalTokens(usage)).toBe(1215);
  });

  it("counts every write as a 5-minute one without a breakdown", () => {
    expect(fromApi(api({ cache_creation_input_tokens: 900, cache_creation: null }))).toMatchObject({ cacheWrite: 900, cacheWrite1h: 0 });
  });
});

describe("storedUsage", () => {
  it("reads a usage stored before 1-hour writes were counted apart as having none", () => {
    expect(storedUsage({ input: 1, output: 2, cacheWrite: 3, cacheRead: 4 })).toEqual({ input: 1, output: 2, cacheWrite: 3, cacheWrite1h: 0, cacheRead: 4 });
  });
});
