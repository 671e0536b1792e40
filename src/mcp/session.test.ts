/** @module Tool result content as text: image and audio blocks named with their size instead of inlined, resources kept or linked. */
import { describe, expect, it } from "vitest";
import { textOf } from "./session";

describe("textOf", () => {
  it("names an image or audio block with its size instead of inlining megabytes of base64", () => {
    const base64 = "A".repeat(4 * 1024 * 1024);
    const text = textOf([
      { type: "text", text: "Panel fertig" },
      { type: "image", data: base64, mimeType: "image/png" },
      { type: "audio", data: "AAAA", mimeType: "audio/wav" },
    ]);
    expect(text).toBe("Panel fertig\n[image image/png, 3.0 MB: not forwarded]\n[audio audio/wav, 3 B: not forwarded]");
  });

  it("keeps an embedded resource's text and names a linked one", () => {
    expect(textOf([{ type: "resource", resource: { uri: "mana://note/1", text: "Notiz" } }, { type: "resource_link", uri: "mana://note/2" }])).toBe(
      "Notiz\n[resource mana://note/2]",
    );
  });
});
