/** @module The stand-in's spaces.list, failing always with the 401 the real tool gets from Better Auth's cookie-only organization list. */
import { defineTool, ToolFailure } from "./tool";

export const spaceTools = [
  defineTool({
    name: "spaces.list",
    description:
      "List all Spaces the caller is a member of. The active Space (where data writes land by default) is returned in `activeSpaceId`.",
    input: {},
    // mana-mcp asks Better Auth's organization list with a Bearer token, which only accepts a session cookie
    // (docs/contracts.md §1.3), so the real tool always fails this way.
    run: () => {
      throw new ToolFailure("mana-auth /organization/list failed: 401 Unauthorized");
    },
  }),
];
