/**
 * Codes of the OAuth device flow (RFC 8628): an opaque device code of 256 bits for the client,
 * and a short user code a person types, from a 20-letter alphabet without vowels (§6.1), so
 * it neither spells words nor confuses 0/O or 1/I.
 */
import { sha256Hex } from "../crypto/sha256.ts";

const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export function newDeviceCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** `WDJB-MJHT`: 8 letters, ~34 bits, enough for a code that lives ten minutes. */
export function newUserCode(): string {
  let code = "";
  while (code.length < 8) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      if (byte < 240 && code.length < 8) code += USER_CODE_ALPHABET[byte % 20];
    }
  }
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a person typed, as stored: upper case, dash restored, other characters dropped. */
export function normalizeUserCode(typed: string): string {
  const letters = typed.toUpperCase().replace(/[^A-Z]/g, "");
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : letters;
}

/** Device codes are bearer secrets until used: only their hash is stored. */
export function hashDeviceCode(code: string): string {
  return sha256Hex(`device:${code}`);
}
