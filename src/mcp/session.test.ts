/** @module Tool result content as text (image and audio named with their size, resources kept or linked); mana-mcp's SSE replies read as messages. */
import { describe, expect, it } from "vitest";
import { repliesAsJson, sseMessages, textOf } from "./session";

describe("sseMessages", () => {
  it("reads the data of each message event, as mana-mcp sends a reply", () => {
    const reply = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n';
    expect(sseMessages(reply)).toEqual(['{"jsonrpc":"2.0","id":1,"result":{}}']);
  });

  it("follows the SSE rules: CRLF lines, comments, an unnamed event, data over several lines, other events skipped", () => {
    const stream = ': keep-alive\r\n\r\nevent: ping\r\ndata: {}\r\n\r\ndata:{"a":\r\ndata: 1}\r\n\r\nid: 7\r\n\r\nevent: message\r\ndata: [2]\r\n';
    expect(sseMessages(stream)).toEqual(['{"a":\n1}', "[2]"]);
  });
});

describe("repliesAsJson", () => {
  const sse = (body: BodyInit) => new Response(body, { headers: { "content-type": "text/event-stream", "mcp-session-id": "s1" } });

  it("hands the SDK a reply stream as a JSON array, with the session header kept", async () => {
    const reply = await repliesAsJson(async () => sse('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n'))("http://mcp/mcp", { method: "POST" });
    expect(reply.headers.get("content-type")).toBe("application/json");
    expect(reply.headers.get("mcp-session-id")).toBe("s1");
    expect(await reply.json()).toEqual([{ jsonrpc: "2.0", id: 1, result: {} }]);
  });

  it("fails when the stream is cut before it ends, so the call counts as a lost reply", async () => {
    const cut = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("event: message\n"));
        controller.error(new TypeError("network connection lost"));
      },
    });
    await expect(repliesAsJson(async () => sse(cut))("http://mcp/mcp", { method: "POST" })).rejects.toThrow(/network connection lost/);
  });

  it("leaves JSON replies and errors as they are", async () => {
    const error = new Response("Session not found", { status: 404, headers: { "content-type": "text/event-stream" } });
    expect(await repliesAsJson(async () => error)("http://mcp/mcp", { method: "POST" })).toBe(error);
  });
});

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
