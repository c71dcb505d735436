/**
 * Hex SHA-256. Uses `node:crypto`'s synchronous native hash: WebCrypto's async `digest` costs
 * about ten times more per call, and the key hash sits on every request's path.
 */
import { createHash } from "node:crypto";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
