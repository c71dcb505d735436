/**
 * Encrypts provider credentials at rest with AES-256-GCM under the master key. The stored form
 * is `v1.<base64 iv>.<base64 ciphertext+tag>` so a later key scheme can coexist.
 */
import { fromBase64, toBase64 } from "./base64.ts";

const VERSION_TAG = "v1";

/**
 * A sealed-box bound to one master key.
 *
 * @example
 * const box = await SecretBox.fromMasterKey(masterKeyBase64);
 * const sealed = await box.seal("sk-ant-…");
 * await box.open(sealed); // "sk-ant-…"
 */
export class SecretBox {
  private constructor(private readonly key: CryptoKey) {}

  /** Imports a base64 master key of exactly 32 bytes. */
  static async fromMasterKey(masterKey: string): Promise<SecretBox> {
    let raw: Uint8Array;
    try {
      raw = fromBase64(masterKey.trim());
    } catch {
      throw new Error("Master key is not valid base64");
    }
    if (raw.length !== 32) {
      throw new Error(`Master key must be 32 bytes of base64, got ${raw.length} bytes`);
    }
    const key = await crypto.subtle.importKey(
      "raw",
      raw as Uint8Array<ArrayBuffer>,
      "AES-GCM",
      false,
      [
        "encrypt",
        "decrypt",
      ],
    );
    return new SecretBox(key);
  }

  /** A fresh random master key, base64-encoded. */
  static generateMasterKey(): string {
    return toBase64(crypto.getRandomValues(new Uint8Array(32)));
  }

  async seal(plaintext: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = new TextEncoder().encode(plaintext);
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, this.key, data);
    return `${VERSION_TAG}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
  }

  async open(sealed: string): Promise<string> {
    const [tag, iv, body] = sealed.split(".");
    if (tag !== VERSION_TAG || !iv || !body) throw new Error("Sealed secret has an unknown format");
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(iv) as Uint8Array<ArrayBuffer> },
        this.key,
        fromBase64(body) as Uint8Array<ArrayBuffer>,
      );
      return new TextDecoder().decode(plain);
    } catch {
      throw new Error(
        "Secret cannot be decrypted: the master key differs from the one that sealed it",
      );
    }
  }
}
