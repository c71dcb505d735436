import assert from "node:assert/strict";
import { chunkReader } from "./chunk_reader.ts";

const encoder = new TextEncoder();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const reader = chunkReader(stream);
  const chunks: Uint8Array[] = [];
  for (let chunk; (chunk = await reader.read());) chunks.push(chunk);
  return chunks;
}

function byteStream(parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const part = parts.shift();
      if (part === undefined) {
        controller.close();
        return controller.byobRequest?.respond(0);
      }
      const request = controller.byobRequest!;
      const bytes = encoder.encode(part);
      (request.view as Uint8Array).set(bytes);
      request.respond(bytes.byteLength);
    },
  });
}

Deno.test("a byte stream is read into a reused buffer and handed out as exact copies", async () => {
  const chunks = await readAll(byteStream(["event: ping\n\n", "data: {}\n\n", "x".repeat(5000)]));
  assert.deepEqual(
    chunks.map((chunk) => new TextDecoder().decode(chunk)),
    ["event: ping\n\n", "data: {}\n\n", "x".repeat(5000)],
  );
  for (const chunk of chunks) assert.equal(chunk.buffer.byteLength, chunk.byteLength);
});

Deno.test("a fetch body arrives byte for byte, each chunk owned by the caller", async () => {
  const body = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(body),
  );
  const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  const chunks = await readAll(response.body!);
  const received = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    assert.equal(chunk.buffer.byteLength, chunk.byteLength);
    received.set(chunk, offset);
    offset += chunk.byteLength;
  }
  assert.deepEqual(received, body);
});

Deno.test("a stream that is not a byte stream is read as it is", async () => {
  const parts = [encoder.encode("a"), encoder.encode("bc")];
  const chunks = await readAll(ReadableStream.from(parts));
  assert.deepEqual(chunks, parts);
});

Deno.test("cancel ends a pending read and reaches the source", async () => {
  let cancelled: unknown;
  const stream = new ReadableStream<Uint8Array>({
    type: "bytes",
    pull: () => new Promise(() => {}),
    cancel(reason) {
      cancelled = reason;
    },
  });
  const reader = chunkReader(stream);
  const pending = reader.read();
  await reader.cancel("idle timeout");
  assert.equal(await pending, undefined);
  assert.equal(cancelled, "idle timeout");
});
