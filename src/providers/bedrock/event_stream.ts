/**
 * AWS event-stream framing (`application/vnd.amazon.eventstream`): an incremental decoder for
 * frames split anywhere across network chunks, and an encoder. Frame layout: total length,
 * headers length, prelude CRC, headers, payload, message CRC.
 */
import { crc32 } from "./crc32.ts";

/** The framing name a Bedrock-mode client and a Bedrock upstream share. */
export const EVENT_STREAM_FRAMING = "aws-eventstream";

export interface EventFrame {
  headers: Record<string, string>;
  payload: Uint8Array;
}

const PRELUDE = 12;
const MAX_FRAME = 16 * 1024 * 1024;

export class EventStreamDecoder {
  private buffer: Uint8Array = new Uint8Array(0);

  /** Frames completed by this chunk. Throws on a corrupt frame. */
  push(chunk: Uint8Array): EventFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk);
    const frames: EventFrame[] = [];
    while (this.buffer.length >= PRELUDE) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
      const total = view.getUint32(0);
      if (total < PRELUDE + 4 || total > MAX_FRAME) {
        throw new Error(`event-stream frame of invalid length ${total}`);
      }
      if (view.getUint32(8) !== crc32(this.buffer, 0, 8)) {
        throw new Error("event-stream prelude CRC mismatch");
      }
      if (this.buffer.length < total) break;
      if (view.getUint32(total - 4) !== crc32(this.buffer, 0, total - 4)) {
        throw new Error("event-stream message CRC mismatch");
      }
      const headersLength = view.getUint32(4);
      frames.push({
        headers: decodeHeaders(this.buffer.subarray(PRELUDE, PRELUDE + headersLength)),
        payload: this.buffer.slice(PRELUDE + headersLength, total - 4),
      });
      this.buffer = this.buffer.subarray(total);
    }
    return frames;
  }

  /** True when bytes of an unfinished frame are left over. */
  get pending(): boolean {
    return this.buffer.length > 0;
  }
}

function decodeHeaders(bytes: Uint8Array): Record<string, string> {
  const headers: Record<string, string> = {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  let offset = 0;
  while (offset < bytes.length) {
    const nameLength = bytes[offset++];
    const name = text.decode(bytes.subarray(offset, offset + nameLength));
    offset += nameLength;
    const type = bytes[offset++];
    switch (type) {
      case 0:
      case 1:
        headers[name] = String(type === 0);
        break;
      case 2:
        headers[name] = String(view.getInt8(offset));
        offset += 1;
        break;
      case 3:
        headers[name] = String(view.getInt16(offset));
        offset += 2;
        break;
      case 4:
        headers[name] = String(view.getInt32(offset));
        offset += 4;
        break;
      case 5:
      case 8:
        headers[name] = String(view.getBigInt64(offset));
        offset += 8;
        break;
      case 6:
      case 7: {
        const length = view.getUint16(offset);
        offset += 2;
        headers[name] = text.decode(bytes.subarray(offset, offset + length));
        offset += length;
        break;
      }
      case 9:
        headers[name] = [...bytes.subarray(offset, offset + 16)].map((b) =>
          b.toString(16).padStart(2, "0")
        ).join("");
        offset += 16;
        break;
      default:
        throw new Error(`event-stream header ${name} has unknown type ${type}`);
    }
  }
  return headers;
}

/** One frame with string headers (type 7), as Bedrock sends them. */
export function encodeEventFrame(headers: Record<string, string>, payload: Uint8Array): Uint8Array {
  const encoder = new TextEncoder();
  const parts: number[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = encoder.encode(name);
    const valueBytes = encoder.encode(value);
    parts.push(
      nameBytes.length,
      ...nameBytes,
      7,
      valueBytes.length >> 8,
      valueBytes.length & 0xff,
      ...valueBytes,
    );
  }
  const headerBytes = new Uint8Array(parts);
  const total = PRELUDE + headerBytes.length + payload.length + 4;
  const frame = new Uint8Array(total);
  const view = new DataView(frame.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headerBytes.length);
  view.setUint32(8, crc32(frame, 0, 8));
  frame.set(headerBytes, PRELUDE);
  frame.set(payload, PRELUDE + headerBytes.length);
  view.setUint32(total - 4, crc32(frame, 0, total - 4));
  return frame;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
