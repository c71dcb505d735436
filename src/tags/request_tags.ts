/**
 * Who a request is attributed to: what the admin bound to the key (team, user, project, env,
 * tags), with the `x-gw-*` headers Claude Code sends through `ANTHROPIC_CUSTOM_HEADERS` filling
 * only what the key leaves empty, plus the Claude Code session and agent. A header never
 * replaces a bound value (it would move spend onto another project's or tag's budget), and the
 * team never comes from a header. These tags go on the log row; whose budgets and limits are
 * charged is decided by the key alone (see `Chargee` in limits/budget.ts).
 */
import type { KeyRecord } from "../db/repos/keys_repo.ts";

export interface RequestTags {
  team: string;
  department: string | null;
  /** The key's user, else the `x-gw-user` the request declares (attribution only). */
  user: string | null;
  project: string | null;
  env: string | null;
  tags: Record<string, string>;
  sessionId: string | null;
  agentId: string | null;
  parentAgentId: string | null;
}

const TAG_HEADER = "x-gw-tag-";
const MAX_VALUE_LENGTH = 128;
const MAX_TAGS = 32;

function clean(value: string | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, MAX_VALUE_LENGTH) : null;
}

/**
 * @example
 * // A key without a project: the header fills it. With one, the header is ignored.
 * const tags = requestTags(key, new Headers({ "x-gw-project": "checkout" }));
 */
export function requestTags(key: KeyRecord, headers: Headers): RequestTags {
  const tags: Record<string, string> = { ...key.tags };
  let count = Object.keys(tags).length;
  for (const [name, value] of headers) {
    if (!name.startsWith(TAG_HEADER) || count >= MAX_TAGS) continue;
    const tagName = name.slice(TAG_HEADER.length);
    // A tag the key sets is the admin's: a tag budget on it must not be dodged by a header.
    if (Object.hasOwn(key.tags, tagName) || !/^[a-z0-9_.-]{1,64}$/.test(tagName)) continue;
    const tagValue = clean(value);
    if (tagValue === null) continue;
    if (!Object.hasOwn(tags, tagName)) count++;
    tags[tagName] = tagValue;
  }
  return {
    team: key.team,
    department: key.department,
    user: key.user ?? clean(headers.get("x-gw-user")),
    project: key.project ?? clean(headers.get("x-gw-project")),
    env: key.env ?? clean(headers.get("x-gw-env")),
    tags,
    sessionId: clean(headers.get("x-claude-code-session-id")),
    agentId: clean(headers.get("x-claude-code-agent-id")),
    parentAgentId: clean(headers.get("x-claude-code-parent-agent-id")),
  };
}
