/**
 * Chooses where a request goes: ordered targets, tried in order until one answers. Routes map
 * a model glob (optionally for one team) to targets; `loadbalance` picks among healthy targets
 * by weight, keeping a Claude Code session on one target so its prompt cache keeps hitting.
 * With no matching route, the model goes unchanged to the first provider registered.
 */
import { compileGlob } from "../auth/glob.ts";
import type { Provider } from "../providers/types.ts";
import type { RequestTags } from "../tags/request_tags.ts";
import { GatewayError } from "../server/errors.ts";
import type { CircuitBreakers } from "./circuit_breaker.ts";
import { conditionHolds, type Route, type RouteTarget } from "./route.ts";

export interface Target {
  provider: Provider;
  /** The model name the upstream is asked for. */
  model: string;
  /** Circuit-breaker identity: provider and upstream model. */
  id: string;
}

export interface Router {
  route(model: string, tags: RequestTags): Target[];
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  /** Literal characters in the glob: more means more specific. */
  specificity: number;
}

/** A stable number in [0, 1) from a string, so one session always lands on the same target. */
function stableFraction(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  // Murmur3's finaliser: short ids that differ in one character land far apart.
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

function narrowness(route: Route): number {
  return Number(route.team !== "") + Number(route.condition !== "");
}

export class RouteTable implements Router {
  private routes: CompiledRoute[] = [];

  constructor(
    private readonly providers: () => readonly Provider[],
    private readonly breakers: CircuitBreakers,
    private readonly random = Math.random,
  ) {}

  setRoutes(routes: readonly Route[]): void {
    this.routes = routes
      .map((route) => ({
        ...route,
        pattern: compileGlob(route.modelGlob),
        specificity: route.modelGlob.replace(/[*?]/g, "").length,
      }))
      // Routes with more conditions (team, NAME=VALUE) first, then the most specific glob.
      .sort((a, b) => narrowness(b) - narrowness(a) || b.specificity - a.specificity);
  }

  route(model: string, tags: RequestTags): Target[] {
    const providers = this.providers();
    if (providers.length === 0) {
      throw new GatewayError(
        "api_error",
        "gw has no provider configured yet: a gw admin must run `gw providers add anthropic --name NAME --api-key-env VAR`",
        { status: 503, retryable: false },
      );
    }
    const route = this.routes.find((r) =>
      (r.team === "" || r.team === tags.team) && conditionHolds(r.condition, tags) &&
      r.pattern.test(model)
    );
    if (!route) return [this.target(providers[0], model)];
    const byName = new Map(providers.map((provider) => [provider.name, provider]));
    const targets = route.targets
      .filter((t) => byName.has(t.provider))
      .map((t) => ({ spec: t, target: this.target(byName.get(t.provider)!, t.model ?? model) }));
    if (targets.length === 0) {
      throw new GatewayError(
        "api_error",
        `Route ${route.modelGlob} names no provider that exists`,
        { status: 503, retryable: false },
      );
    }
    const ordered = route.strategy === "loadbalance"
      ? this.balance(targets, tags.sessionId)
      : targets;
    // Targets with an open circuit go last: tried only when nothing healthy is left.
    const healthy = ordered.filter((t) => !this.breakers.isOpen(t.target.id));
    const tripped = ordered.filter((t) => this.breakers.isOpen(t.target.id));
    return [...healthy, ...tripped].map((t) => t.target);
  }

  private target(provider: Provider, model: string): Target {
    return { provider, model, id: `${provider.name}|${model}` };
  }

  private balance<T extends { spec: RouteTarget; target: Target }>(
    targets: T[],
    sessionId: string | null,
  ): T[] {
    const healthy = targets.filter((t) => !this.breakers.isOpen(t.target.id));
    const pool = healthy.length > 0 ? healthy : targets;
    const total = pool.reduce((sum, t) => sum + t.spec.weight, 0);
    let point = (sessionId ? stableFraction(sessionId) : this.random()) * total;
    let chosen = pool[pool.length - 1];
    for (const candidate of pool) {
      point -= candidate.spec.weight;
      if (point < 0) {
        chosen = candidate;
        break;
      }
    }
    return [chosen, ...targets.filter((t) => t !== chosen)];
  }
}
