/** @module A log line is one JSON object with its context, and passwords, auth headers and JWTs never reach it. */
import { describe, expect, it } from "vitest";
import { createLogger } from "./log";

describe("createLogger", () => {
  it("writes one JSON line with context and never a secret", () => {
    const lines: string[] = [];
    const log = createLogger({ tickId: "t1" }, (line) => lines.push(line)).child({ persona: "anna" });
    log.info("login", {
      password: "hunter2",
      headers: { authorization: "Bearer abc", "x-service-key": "k" },
      note: "token eyJhbGciOi.eyJzdWIiOiIx.c2ln in text",
    });
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ level: "info", event: "login", tickId: "t1", persona: "anna", password: "[redacted]" });
    expect(lines[0]).not.toMatch(/hunter2|Bearer abc|eyJhbGciOi/);
  });
});
