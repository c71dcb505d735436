/**
 * A model route as admins define it, the `PROVIDER[:MODEL][@WEIGHT]` target syntax and the
 * `NAME=VALUE` condition syntax.
 */
import type { RequestTags } from "../tags/request_tags.ts";

export interface RouteTarget {
  provider: string;
  /** Upstream model id; absent means the client's model name unchanged. */
  model?: string;
  weight: number;
}

export interface Route {
  id: string;
  modelGlob: string;
  /** Empty for every team. */
  team: string;
  /** `NAME=VALUE` on the request's project, env, user, department or a tag; empty for all. */
  condition: string;
  strategy: "fallback" | "loadbalance";
  targets: RouteTarget[];
}

/**
 * Parses one target. The model may contain `:` (Bedrock ids) and `@DATE` (Vertex ids); only a
 * trailing `@` with up to four digits is a weight.
 *
 * @example
 * parseTarget("bedrock-us:us.anthropic.claude-opus-4-1-20250805-v1:0@3");
 * // { provider: "bedrock-us", model: "us.anthropic.claude-opus-4-1-20250805-v1:0", weight: 3 }
 */
export function parseTarget(text: string): RouteTarget {
  let rest = text.trim();
  let weight = 1;
  const weighted = /@(\d{1,4})$/.exec(rest);
  if (weighted) {
    weight = Number(weighted[1]);
    rest = rest.slice(0, weighted.index);
  }
  const colon = rest.indexOf(":");
  const provider = colon === -1 ? rest : rest.slice(0, colon);
  const model = colon === -1 ? undefined : rest.slice(colon + 1);
  if (!provider) throw new Error(`Invalid target ${text}: use PROVIDER[:MODEL][@WEIGHT]`);
  if (weight <= 0) throw new Error(`Invalid target ${text}: weight must be positive`);
  return model ? { provider, model, weight } : { provider, weight };
}

export function formatTarget(target: RouteTarget): string {
  return `${target.provider}${target.model ? `:${target.model}` : ""}${
    target.weight !== 1 ? `@${target.weight}` : ""
  }`;
}

const CONDITION = /^([a-z0-9_.-]{1,64})=(.{1,128})$/;

/** Checks a `--when` condition; throws a message an admin can act on. */
export function parseCondition(text: string): string {
  if (!CONDITION.test(text)) {
    throw new Error(
      `Invalid condition ${text}: use NAME=VALUE, NAME being project, env, user, department or a tag name`,
    );
  }
  return text;
}

/** Whether a request's attribution satisfies a condition ("" always holds). */
export function conditionHolds(condition: string, tags: RequestTags): boolean {
  if (condition === "") return true;
  const [, name, value] = CONDITION.exec(condition) ?? [];
  const fixed: Record<string, string | null> = {
    project: tags.project,
    env: tags.env,
    user: tags.user,
    department: tags.department,
  };
  return (name in fixed ? fixed[name] : tags.tags[name]) === value;
}
