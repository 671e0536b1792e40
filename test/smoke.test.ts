import { env, SELF } from "cloudflare:test";
import { expect, it } from "vitest";
it("reaches the stack", async () => {
  const r = await (env as any).STACK.fetch("http://stack.test/mcp");
  expect(await r.json()).toEqual({ placeholder: "McpHost", path: "/mcp" });
  expect(await (await SELF.fetch("http://x/")).text()).toBe("runner");
});
