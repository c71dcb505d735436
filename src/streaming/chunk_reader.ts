/**
 * Reads a body chunk by chunk. A byte stream (every `fetch` body) is read into a buffer taken
 * from a shared pool, and each chunk handed out is a copy of just the bytes read: the runtime's
 * own reads allocate and zero a fresh 64 KiB buffer every time, which measured as the largest
 * single cost of relaying a response (more than a third of the instructions of a whole
 * pass-through request). Other streams are read as they are.
 */

const BUFFER_BYTES = 64 * 1024;
/** Idle buffers kept for reuse: 16 MiB at most. */
const POOL_LIMIT = 256;
const pool: ArrayBuffer[] = [];

export interface ChunkReader {
  /** The next chunk, owned by the caller; `undefined` once the body has ended. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops reading; a pending `read` resolves as ended. */
  cancel(reason?: unknown): Promise<void>;
}

/**
 * @example
 * const reader = chunkReader(response.body);
 * for (let chunk; (chunk = await reader.read());) send(chunk);
 */
export function chunkReader(stream: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    return plainReader(stream.getReader());
  }
  let buffer: ArrayBuffer | undefined = pool.pop() ?? new ArrayBuffer(BUFFER_BYTES);
  const release = () => {
    // A buffer handed to a read that failed or was cancelled is detached (length 0): dropped.
    if (buffer && buffer.byteLength > 0 && pool.length < POOL_LIMIT) pool.push(buffer);
    buffer = undefined;
  };
  return {
    async read() {
      const { done, value } = await byob.read(
        new Uint8Array(buffer ?? new ArrayBuffer(BUFFER_BYTES)),
      );
      // The read transferred the buffer; it comes back as the view's buffer.
      if (value) buffer = value.buffer as ArrayBuffer;
      if (done) {
        release();
        return undefined;
      }
      return value.slice();
    },
    cancel(reason) {
      release();
      return byob.cancel(reason);
    },
  };
}

function plainReader(reader: ReadableStreamDefaultReader<Uint8Array>): ChunkReader {
  return {
    async read() {
      const { done, value } = await reader.read();
      return done ? undefined : value;
    },
    cancel: (reason) => reader.cancel(reason),
  };
}
