/**
 * Applies a policy to a Messages request: size limits, then every text the model will read —
 * the system prompt, user and assistant text, `tool_result` content and `tool_use` inputs.
 * Images and documents are skipped. Redaction changes characters inside strings only, never
 * the structure, the order of `system` blocks or any `cache_control`, so prompt caching keeps
 * working; and it is deterministic, so every turn of a conversation redacts the same way.
 */
import { GatewayError } from "../server/errors.ts";
import type { CompiledPolicy } from "./policy.ts";
import { findMatches, type Match, redact } from "./text_scan.ts";
import { type Slot, textSlots, withStrings } from "./text_slots.ts";

export interface GuardResult {
  /** The body to forward: the same object when nothing was redacted. */
  body: Record<string, unknown>;
  redacted: boolean;
  /** Rule id → number of matches. Never the matched values. */
  verdicts: Record<string, number>;
  /** Set when a rule refused the request: the message for the developer. */
  blocked?: string;
}

/** The 400 for a blocked request: names the rule and where, never the matched value. */
export function guardrailRefusal(message: string): GatewayError {
  return new GatewayError("invalid_request_error", message, { retryable: false });
}

/**
 * @example
 * const { body, verdicts } = guardRequest(parsed, bodyBytes.length, policy);
 */
export function guardRequest(
  body: Record<string, unknown>,
  bodyBytes: number,
  policy: CompiledPolicy,
): GuardResult {
  const { limits } = policy;
  const limited = (rule: string, message: string): GuardResult => ({
    body,
    redacted: false,
    verdicts: { [rule]: 1 },
    blocked: `Blocked by gw guardrail ${rule}: ${message}`,
  });
  if (limits.maxPromptBytes && bodyBytes > limits.maxPromptBytes) {
    return limited(
      "prompt_size",
      `the request is ${bodyBytes} bytes, over the policy limit of ${limits.maxPromptBytes}`,
    );
  }
  const estimatedTokens = Math.ceil(bodyBytes / 4);
  if (limits.maxPromptTokens && estimatedTokens > limits.maxPromptTokens) {
    return limited(
      "prompt_tokens",
      `about ${estimatedTokens} tokens, over the policy limit of ${limits.maxPromptTokens}`,
    );
  }
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  if (limits.maxMessages && messages > limits.maxMessages) {
    return limited(
      "message_count",
      `${messages} messages, over the policy limit of ${limits.maxMessages}`,
    );
  }
  const verdicts: Record<string, number> = {};
  const redactions: { slot: Slot; matches: Match[] }[] = [];
  for (const slot of textSlots(body)) {
    const matches = findMatches(slot.text, policy.detectors);
    if (matches.length === 0) continue;
    const toRedact: Match[] = [];
    for (const match of matches) {
      verdicts[match.rule] = (verdicts[match.rule] ?? 0) + 1;
      const action = policy.rules[match.rule];
      if (action === "block") {
        return {
          body,
          redacted: false,
          verdicts,
          blocked: `Blocked by gw guardrail ${
            displayRule(match.rule)
          }: found in ${slot.location}. Remove it and try again`,
        };
      }
      if (action === "redact") toRedact.push(match);
    }
    if (toRedact.length) redactions.push({ slot, matches: toRedact });
  }
  if (redactions.length === 0) return { body, redacted: false, verdicts };
  const replaced = withStrings(
    body,
    redactions.map(({ slot, matches }) => ({ path: slot.path, text: redact(slot.text, matches) })),
  );
  return { body: replaced, redacted: true, verdicts };
}

/** How a rule is named to developers: custom rules without their prefix. */
export function displayRule(rule: string): string {
  return rule.startsWith("custom:") ? rule.slice("custom:".length) : rule;
}
