/** @module Tool replies tampered with after the call ran: a stream cut as by mana-mcp's idle timeout, or one held back. */
/**
 * A reply whose connection is cut after the server finished the call: the write landed, the client sees the
 * SSE stream break (what mana-mcp's idle timeout does to calls slower than about 10 s).
 */
export function cutReply(response: Response): Response {
  const source = response.body;
  if (!source) return response;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const reader = source.getReader();
      while (!(await reader.read()).done);
      controller.error(new Error("connection reset: idle timeout"));
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** A reply held back after the call finished until `wait` settles, to outlast the client's timeout or just be slow. */
export function delayReply(response: Response, wait: () => Promise<void>): Response {
  const source = response.body;
  if (!source) return response;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const chunks: Uint8Array[] = [];
      const reader = source.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
      await wait();
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
