/**
 * The Anthropic API: near pass-through. The body goes upstream byte for byte unless the route
 * maps the model to another name; only the credential changes.
 */
import { formatOf, type Provider, type ProviderFactory } from "../types.ts";
import { bodyWithModel } from "../body_with_model.ts";
import { withHeaders } from "../header_list.ts";

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

const PATHS = {
  messages: "/v1/messages",
  count_tokens: "/v1/messages/count_tokens",
} as const;

/**
 * @example
 * const provider = createAnthropicProvider({ name: "main", baseUrl: null, config: {}, secret });
 */
export const createAnthropicProvider: ProviderFactory = (settings) => {
  const base = (settings.baseUrl ?? ANTHROPIC_BASE_URL).replace(/\/+$/, "");
  const provider: Provider = {
    name: settings.name,
    kind: "anthropic",
    buildRequest(request, model, signal) {
      const headers = withHeaders(request.headers, {
        "x-api-key": settings.secret,
        "content-type": "application/json",
      });
      return Promise.resolve({
        url: base + PATHS[request.operation] + request.search,
        init: { method: "POST", headers, body: bodyWithModel(request, model), signal },
      });
    },
    toAnthropic(response) {
      return {
        status: response.status,
        headers: response.headers,
        body: response.body,
        format: formatOf(response.headers.get("content-type")),
      };
    },
  };
  return provider;
};
