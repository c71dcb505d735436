/**
 * The detectors, each with a stable id. A detector is a regular expression plus an optional
 * cheap pre-check (`hints`: the text must contain one of these) and a validator that rejects
 * look-alikes: Luhn for cards, mod-97 for IBANs, placeholders for keys.
 */
import { entropy, ibanValid, looksLikePlaceholder, luhnValid } from "./checks.ts";

export interface Detector {
  id: string;
  description: string;
  pattern: RegExp;
  /** Skip the regex unless the text contains one of these (case-sensitive). */
  hints?: string[];
  /** The capture group holding the sensitive value (default: the whole match). */
  group?: number;
  validate?: (value: string) => boolean;
  /** Off unless a policy names it: noisy in code (IP addresses, entropy). */
  optIn?: boolean;
}

const notPlaceholder = (value: string) => !looksLikePlaceholder(value);

export const DETECTORS: readonly Detector[] = [
  {
    id: "aws_access_key",
    description: "AWS access key id",
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g,
    hints: ["AKIA", "ASIA", "ABIA", "ACCA"],
    validate: notPlaceholder,
  },
  {
    id: "aws_secret",
    description: "AWS secret access key next to its name",
    pattern: /aws.{0,20}?(?:secret|key).{0,20}?[=:]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
    hints: ["aws", "AWS", "Aws"],
    validate: (value) =>
      notPlaceholder(value) && /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value),
  },
  {
    id: "github_token",
    description: "GitHub token",
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    hints: ["gh", "github_pat_"],
    validate: notPlaceholder,
  },
  {
    id: "gitlab_token",
    description: "GitLab token",
    pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
    hints: ["glpat-"],
    validate: notPlaceholder,
  },
  {
    id: "slack_token",
    description: "Slack token",
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
    hints: ["xox"],
    validate: notPlaceholder,
  },
  {
    id: "stripe_key",
    description: "Stripe secret key",
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g,
    hints: ["_live_", "_test_"],
    validate: notPlaceholder,
  },
  {
    id: "google_api_key",
    description: "Google API key",
    pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g,
    hints: ["AIza"],
    validate: notPlaceholder,
  },
  {
    id: "anthropic_key",
    description: "Anthropic API key",
    pattern: /\bsk-ant-[a-z]+\d*-[A-Za-z0-9_-]{20,}/g,
    hints: ["sk-ant-"],
    validate: notPlaceholder,
  },
  {
    id: "openai_key",
    description: "OpenAI API key",
    pattern:
      /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|\bsk-proj-[A-Za-z0-9_-]{40,}/g,
    hints: ["sk-"],
    validate: notPlaceholder,
  },
  {
    id: "private_key",
    description: "PEM private key block",
    pattern:
      /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z]+ )*PRIVATE KEY-----/g,
    hints: ["PRIVATE KEY-----"],
  },
  {
    id: "jwt",
    description: "JSON Web Token",
    pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g,
    hints: ["eyJ"],
  },
  {
    id: "password_assignment",
    description: "password or secret assigned in code or config",
    pattern:
      /\b[A-Za-z0-9_]*?(?:password|passwd|pwd|secret|client_secret|api_key|apikey|access_token|auth_token)["']?\s*[:=]\s*["']([^"'\s]{8,})["']/gi,
    group: 1,
    validate: (value) =>
      notPlaceholder(value) &&
      !/^(?:process\.env|os\.environ|env\.|getenv|true|false|null|none)/i.test(value),
  },
  {
    id: "email",
    description: "email address",
    pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
    hints: ["@"],
    validate: (value) =>
      !/@(?:example\.(?:com|org|net)|test\.com|localhost)$/i.test(value) &&
      !/^(?:noreply|no-reply)@/i.test(value) &&
      !/\.(?:png|jpg|svg|gif|js|ts)$/i.test(value),
  },
  {
    id: "phone",
    description: "phone number (E.164 or common national forms)",
    pattern:
      /(?<![\w.+-])(?:\+[1-9]\d{7,14}|\+\d{1,3}[ .-]\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{3,4}|\([2-9]\d{2}\) ?[2-9]\d{2}-\d{4}|[2-9]\d{2}-[2-9]\d{2}-\d{4})(?![\w.-])/g,
  },
  {
    id: "credit_card",
    description: "payment card number (Luhn-checked)",
    pattern: /(?<![\d.-])(?:\d[ -]?){12,18}\d(?![\d.-])/g,
    validate: (value) => {
      const digits = value.replace(/[ -]/g, "");
      return digits.length >= 13 && digits.length <= 19 && /^[3-6]/.test(digits) &&
        luhnValid(digits) && !/^(\d)\1+$/.test(digits);
    },
  },
  {
    id: "us_ssn",
    description: "US social security number",
    pattern: /(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])/g,
    validate: (value) => {
      const [area, group, serial] = value.split("-");
      return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" &&
        serial !== "0000" &&
        value !== "123-45-6789";
    },
  },
  {
    id: "iban",
    description: "IBAN (mod-97 checked)",
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    validate: ibanValid,
  },
  {
    id: "ipv4",
    description: "IPv4 address",
    pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g,
    optIn: true,
  },
  {
    id: "ipv6",
    description: "IPv6 address",
    pattern:
      /\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:?){1,6}\b/gi,
    optIn: true,
  },
  {
    id: "high_entropy",
    description: "high-entropy string that looks like a credential",
    pattern: /(?<![A-Za-z0-9/+_-])[A-Za-z0-9/+_-]{32,}={0,2}(?![A-Za-z0-9/+_-])/g,
    optIn: true,
    validate: (value) =>
      !/^[0-9a-f]+$/i.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value) &&
      /\d/.test(value) &&
      entropy(value) > 4.5 && notPlaceholder(value),
  },
  {
    id: "injection",
    description: "prompt-injection phrase",
    pattern:
      /\b(?:ignore|disregard|forget) (?:all |any )?(?:the |your )?(?:previous|prior|above|earlier|preceding) (?:instructions|prompts|rules|directions)\b|\b(?:reveal|print|show|repeat) (?:me )?(?:your|the) (?:system prompt|hidden instructions|initial instructions)\b|\byou are now (?:DAN|in developer mode|jailbroken)\b|\bdo anything now\b|\bnew instructions: ignore\b/gi,
  },
];

export const DETECTOR_IDS: readonly string[] = DETECTORS.map((d) => d.id);
