/**
 * Chooses where a request goes: ordered targets, tried in order until one answers. With no
 * routes configured, every model goes unchanged to the first provider registered.
 */
import type { Provider } from "../providers/types.ts";
import type { RequestTags } from "../tags/request_tags.ts";
import { GatewayError } from "../server/errors.ts";

export interface Target {
  provider: Provider;
  /** The model name the upstream is asked for. */
  model: string;
}

export interface Router {
  route(model: string, tags: RequestTags): Target[];
}

/** Routes every model to the first of the current providers. */
export class DefaultRouter implements Router {
  constructor(private readonly providers: () => readonly Provider[]) {}

  route(model: string): Target[] {
    const first = this.providers()[0];
    if (!first) {
      throw new GatewayError(
        "api_error",
        "gw has no provider configured yet: a gw admin must run `gw providers add anthropic --name NAME --api-key-env VAR`",
        { status: 503, retryable: false },
      );
    }
    return [{ provider: first, model }];
  }
}
