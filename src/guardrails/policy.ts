/** Guardrail policies: which rules run with which action, and size limits. */
import { type Detector, DETECTOR_IDS, DETECTORS } from "./detectors.ts";

export type Action = "block" | "redact" | "flag";

export interface PolicyLimits {
  maxPromptBytes?: number;
  maxPromptTokens?: number;
  maxMessages?: number;
}

export interface Policy {
  name: string;
  rules: Record<string, Action>;
  limits: PolicyLimits;
}

export interface CompiledPolicy extends Policy {
  detectors: Detector[];
}

const CUSTOM_PREFIX = "custom:";

/**
 * Parses `aws_secret=redact,email=flag`; custom rules are `custom:NAME=/regex/=action`.
 *
 * @example
 * parseRules("aws_secret=redact,injection=block");
 */
export function parseRules(text: string): Record<string, Action> {
  const rules: Record<string, Action> = {};
  for (const part of text.split(/,(?![^/]*\/=)/).map((p) => p.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf("=");
    const id = part.slice(0, eq);
    const action = part.slice(eq + 1);
    if (eq <= 0 || !["block", "redact", "flag"].includes(action)) {
      throw new Error(`Invalid rule ${part}: use ID=block|redact|flag`);
    }
    if (!id.startsWith(CUSTOM_PREFIX) && !DETECTOR_IDS.includes(id)) {
      throw new Error(
        `Unknown rule ${id}: known rules are ${DETECTOR_IDS.join(", ")}, or custom:NAME=/REGEX/`,
      );
    }
    if (id.startsWith(CUSTOM_PREFIX)) customDetector(id);
    rules[id] = action as Action;
  }
  return rules;
}

/** `custom:ticket=/TICKET-\d+/` → a detector named `ticket`. */
function customDetector(id: string): Detector {
  const match = /^custom:([a-z0-9_]+)=\/(.+)\/([a-z]*)$/i.exec(id);
  if (!match) throw new Error(`Invalid custom rule ${id}: use custom:NAME=/REGEX/flags`);
  const flags = match[3].includes("g") ? match[3] : match[3] + "g";
  try {
    return {
      id: match[1],
      description: `custom rule ${match[1]}`,
      pattern: new RegExp(match[2], flags),
    };
  } catch (error) {
    throw new Error(`Invalid regular expression in ${id}: ${(error as Error).message}`);
  }
}

/** Custom rules are stored with their regex; compiled, they are known as `custom:NAME`. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const detectors: Detector[] = [];
  const rules: Record<string, Action> = {};
  for (const [id, action] of Object.entries(policy.rules)) {
    if (id.startsWith(CUSTOM_PREFIX)) {
      const detector = customDetector(id);
      const name = `${CUSTOM_PREFIX}${detector.id}`;
      detectors.push({ ...detector, id: name });
      rules[name] = action;
    } else {
      detectors.push(DETECTORS.find((d) => d.id === id)!);
      rules[id] = action;
    }
  }
  return { ...policy, rules, detectors };
}

/** What a fresh install can assign with one command: secrets redacted, injection flagged. */
export const DEFAULT_RULES: Record<string, Action> = Object.fromEntries([
  ...DETECTORS.filter((d) => !d.optIn && !["email", "phone", "injection"].includes(d.id)).map((
    d,
  ) => [d.id, "redact"]),
  ["email", "flag"],
  ["phone", "flag"],
  ["injection", "flag"],
]);
