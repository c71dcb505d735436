/**
 * The shape of a gw key: `gw_` + 40 base62 characters (~238 bits). Only the SHA-256 hash and a
 * short display prefix are ever stored.
 */
import { sha256Hex } from "../crypto/sha256.ts";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LENGTH = 40;
export const KEY_PREFIX = "gw_";
/** Characters of a key shown after creation (`gw_` + 8): enough to tell keys apart. */
const DISPLAY_LENGTH = KEY_PREFIX.length + 8;

/** A new random key secret. Rejection sampling keeps every character equally likely. */
export function generateKeySecret(): string {
  let body = "";
  while (body.length < BODY_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(64))) {
      if (byte < 248 && body.length < BODY_LENGTH) body += ALPHABET[byte % 62];
    }
  }
  return KEY_PREFIX + body;
}

/** The part of a key that may be shown again: `gw_AbCd1234`. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, DISPLAY_LENGTH);
}

/** True for strings shaped like a gw key; lets gw refuse provider keys pasted by mistake. */
export function looksLikeKey(secret: string): boolean {
  return secret.startsWith(KEY_PREFIX) && secret.length === KEY_PREFIX.length + BODY_LENGTH &&
    /^[0-9A-Za-z]+$/.test(secret.slice(KEY_PREFIX.length));
}

/** The stored form of a key. */
export function hashKeySecret(secret: string): string {
  return sha256Hex(secret);
}
