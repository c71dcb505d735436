/**
 * Pure checks on a key record at request time: usable now, allowed this model, and allowed
 * this project.
 */
import type { KeyRecord } from "../db/repos/keys_repo.ts";
import { GatewayError } from "../server/errors.ts";
import { clip, ECHO_CHARS } from "../logging/client_text.ts";
import { AuthRefusal } from "./auth_refusal.ts";
import { compileGlob, matchesAny } from "./glob.ts";

const FINAL = { retryable: false } as const;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** Throws the 401 a developer sees for a revoked or expired key. */
export function assertKeyUsable(key: KeyRecord, now: number): void {
  if (key.revokedAt !== null) {
    throw new AuthRefusal(
      "revoked",
      `gw key ${key.prefix}… was revoked on ${
        isoDate(key.revokedAt)
      }; ask your gw admin for a new key`,
    );
  }
  if (key.expiresAt !== null && key.expiresAt <= now) {
    throw new AuthRefusal(
      "expired",
      `gw key ${key.prefix}… expired on ${
        isoDate(key.expiresAt)
      }; ask your gw admin to rotate or extend it`,
    );
  }
}

/** Compiled model globs per key record, so the hot path never re-parses them. */
const compiled = new WeakMap<KeyRecord, RegExp[]>();

/** Throws the 403 for a model outside the key's globs; an empty list allows every model. */
export function assertModelAllowed(key: KeyRecord, model: string): void {
  if (key.models.length === 0) return;
  let patterns = compiled.get(key);
  if (!patterns) {
    patterns = key.models.map(compileGlob);
    compiled.set(key, patterns);
  }
  if (matchesAny(patterns, model)) return;
  throw new GatewayError(
    "permission_error",
    `gw key ${key.prefix}… may not use model ${clip(model, ECHO_CHARS)}; allowed: ${
      key.models.join(", ")
    }`,
    FINAL,
  );
}

/**
 * Throws the 403 for a project outside the key's list (an empty list allows any project). A
 * restricted key must name a project, bound or declared: spend without one would escape the
 * restriction's point, which is that the key's holder charges only the projects listed.
 *
 * @example
 * assertProjectAllowed(key, tags.project);
 */
export function assertProjectAllowed(key: KeyRecord, project: string | null): void {
  if (key.projects.length === 0 || (project !== null && key.projects.includes(project))) return;
  const allowed = key.projects.join(", ");
  throw new GatewayError(
    "permission_error",
    project === null
      ? `gw key ${key.prefix}… is restricted to projects ${allowed} and this request names none; send one in the x-gw-project header (ANTHROPIC_CUSTOM_HEADERS)`
      : `gw key ${key.prefix}… may not be used for project ${
        clip(project, ECHO_CHARS)
      }; allowed: ${allowed}`,
    FINAL,
  );
}
