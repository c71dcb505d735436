/**
 * Who a request is attributed to: the key's team, user, project and env, overridden by the
 * `x-gw-*` headers Claude Code sends through `ANTHROPIC_CUSTOM_HEADERS`, plus the Claude Code
 * session and agent. The team always comes from the key: a header cannot move spend.
 */
import type { KeyRecord } from "../db/repos/keys_repo.ts";

export interface RequestTags {
  team: string;
  department: string | null;
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
 * const tags = requestTags(key, new Headers({ "x-gw-project": "checkout" }));
 */
export function requestTags(key: KeyRecord, headers: Headers): RequestTags {
  const tags: Record<string, string> = { ...key.tags };
  let count = Object.keys(tags).length;
  for (const [name, value] of headers) {
    if (!name.startsWith(TAG_HEADER) || count >= MAX_TAGS) continue;
    const tagName = name.slice(TAG_HEADER.length);
    const tagValue = clean(value);
    if (!/^[a-z0-9_.-]{1,64}$/.test(tagName) || tagValue === null) continue;
    if (!(tagName in tags)) count++;
    tags[tagName] = tagValue;
  }
  return {
    team: key.team,
    department: key.department,
    user: key.user ?? clean(headers.get("x-gw-user")),
    project: clean(headers.get("x-gw-project")) ?? key.project,
    env: clean(headers.get("x-gw-env")) ?? key.env,
    tags,
    sessionId: clean(headers.get("x-claude-code-session-id")),
    agentId: clean(headers.get("x-claude-code-agent-id")),
    parentAgentId: clean(headers.get("x-claude-code-parent-agent-id")),
  };
}
