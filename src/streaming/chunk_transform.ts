/**
 * A stage that may change what the client receives (guardrails on output). It returns the
 * bytes to send for each upstream chunk, and may end the response early.
 */
export interface ChunkTransform {
  push(chunk: Uint8Array): Uint8Array;
  /** Bytes still held back when the upstream body ends. */
  end(): Uint8Array;
  /** True once the stage has ended the response (e.g. a blocked output). */
  readonly stopped: boolean;
}
